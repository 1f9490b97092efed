// UplinkQueue: the edge's prediction of its uplink's bottleneck queue,
// against a simulated FIFO link (rate C, one-way propagation P).

#include "edge/uplink_queue.h"

#include <algorithm>
#include <functional>
#include <vector>

#include "catch2/catch.hpp"
#include "tests/edge/simulated_uplink.h"

namespace tandem::edge {
namespace {

TEST_CASE("UplinkQueue: predicts nothing before the cloud reports", "[edge][uplink_queue]") {
  UplinkQueue queue;
  queue.OnSent(5000, 0);
  CHECK(queue.QueueDelayUs(1000) == 0);
  CHECK(queue.capacity_bytes_per_s() == 0.0);
}

TEST_CASE("UplinkQueue: a thin uplink's queue and rate", "[edge][uplink_queue]") {
  // 24 kbit/s, 40 ms one way; 200-byte messages every 10 ms: 20 kB/s
  // offered to a 3 kB/s link, so a queue builds.
  SimulatedLink link{3000.0, 40000};
  UplinkQueue queue;
  const int64_t now = 800000;
  Drive(link, queue, 40, 200, 10000, now);
  CHECK_THAT(queue.capacity_bytes_per_s(), Catch::Matchers::WithinRel(3000.0, 0.02));
  const int64_t truth = link.QueueDelayUs(now);
  REQUIRE(truth > 1000000);  // over a second of queue
  CHECK_THAT(static_cast<double>(queue.QueueDelayUs(now)),
             Catch::Matchers::WithinRel(static_cast<double>(truth), 0.05));
  // The reported chunks queued behind each other: the link is the bottleneck.
  CHECK(queue.last_queueing_us() > 100000);
  CHECK_THAT(queue.bottleneck_bytes_per_s(), Catch::Matchers::WithinRel(3000.0, 0.02));
  // 300 more bytes would wait 100 ms more.
  CHECK(queue.QueueDelayUs(now, 300) - queue.QueueDelayUs(now) == Approx(100000).epsilon(0.02));
}

TEST_CASE("UplinkQueue: a cloud that reads messages late does not inflate the rate",
          "[edge][uplink_queue]") {
  // 32 kbit/s; 50-byte messages every 3 ms queue, so one arrives every
  // 12.5 ms. The cloud's reader, sharing a core with verification, reads
  // every other message 5 ms late: pairs read 7.5 ms apart, as if 6.7 kB/s
  // were delivered over that interval. Samples over >= 20 ms stay within
  // ~25% of the 4 kB/s.
  SimulatedLink link{4000.0, 40000};
  UplinkQueue queue;
  for (int i = 0; i < 60; ++i) {
    const int64_t at = i * 3000;
    SimulatedLink::Delivery d = link.Send(at, 50);
    queue.OnSent(link.total_bytes, at);
    if (i % 2 == 0) d.received_at_us += 5000;
    queue.OnDelivered(d.sent_at_us, d.received_at_us, d.bytes_received);
  }
  CHECK(queue.capacity_bytes_per_s() >= 4000.0);
  CHECK(queue.capacity_bytes_per_s() <= 1.3 * 4000.0);
}

TEST_CASE("UplinkQueue: bursts a round trip apart still show a fat link's rate",
          "[edge][uplink_queue]") {
  // A GEO link: 3 Mbit/s up, 300 ms one way. The edge sends a burst of
  // three 100-byte messages every 600 ms (its own demand: 500 B/s); the
  // link carries a burst in under a millisecond. Within a burst the
  // reports, widened by the receive slack, bound the rate well above the
  // demand; between bursts only the demand shows.
  SimulatedLink link{375000.0, 300000};
  UplinkQueue queue;
  for (int burst = 0; burst < 8; ++burst) {
    for (int i = 0; i < 3; ++i) {
      const int64_t at = burst * 600000 + i * 100;
      const SimulatedLink::Delivery d = link.Send(at, 100);
      queue.OnSent(link.total_bytes, at);
      queue.OnDelivered(d.sent_at_us, d.received_at_us, d.bytes_received);
    }
  }
  CHECK(queue.capacity_bytes_per_s() >= 15000.0);  // 30x the demand
  CHECK(queue.capacity_bytes_per_s() <= 375000.0);
}

// Pairs of 100-byte messages 0.2 ms apart every 20 ms through an
// 8 Mbit/s link: a pair reads ~19 kB/s (100 bytes over 0.2 ms plus the
// receive slack), well above the edge's 10 kB/s of demand.
void SendPairs(TimedExchange& exchange, int64_t from_us, int64_t to_us) {
  for (int64_t t = from_us; t < to_us; t += 20000) {
    exchange.Send(t, 100);
    exchange.Send(t + 200, 100);
  }
}

// 400 ms of pairs, reported as far as the edge knows by then: the rate
// they read.
double PairsFor400Ms(TimedExchange& exchange, const UplinkQueue& queue) {
  SendPairs(exchange, 0, 400000);
  exchange.ReportUntil(400000);
  return queue.capacity_bytes_per_s();
}

// A second of pairs through the fat link, then its grant shrinks to
// 32 kbit/s; returns the time of the change. Nothing sent on the thin link
// has been reported yet.
int64_t FatSecondThenThin(TimedExchange& exchange, SimulatedLink& link) {
  SendPairs(exchange, 0, 1000000);
  link.bytes_per_s = 4000.0;
  return 1000000;
}

TEST_CASE("UplinkQueue: a link that turns thin is read within a few reports",
          "[edge][uplink_queue]") {
  // A cell's uplink grant shrinks from 8 Mbit/s to 32 kbit/s under the same
  // demand: a queue builds at once. The max filter alone would keep the fat
  // link's 19 kB/s for the 16 reports of its window.
  SimulatedLink link{1e6, 40000};
  UplinkQueue queue;
  TimedExchange exchange(link, queue);
  int64_t t = FatSecondThenThin(exchange, link);
  REQUIRE(queue.capacity_bytes_per_s() > 15000.0);
  const int fat_messages = exchange.sent();
  while (exchange.reports() < fat_messages + 6) {  // six reports of the thin link
    SendPairs(exchange, t, t + 20000);
    t += 20000;
  }
  CHECK(queue.capacity_bytes_per_s() <= 1.5 * 4000.0);
  CHECK(queue.capacity_bytes_per_s() >= 0.6 * 4000.0);
}

TEST_CASE("UplinkQueue: the bottleneck's rate is known from a thin turn until the link is fat",
          "[edge][uplink_queue]") {
  // The draft-length controller prices chunk bytes at bottleneck_bytes_per_s:
  // 0 on the fat link (its estimate is only a lower bound), the thin link's
  // rate once a queue paces it, and 0 again once the grant is back.
  SimulatedLink link{1e6, 40000};
  UplinkQueue queue;
  TimedExchange exchange(link, queue);
  int64_t t = FatSecondThenThin(exchange, link);
  CHECK(queue.bottleneck_bytes_per_s() == 0.0);  // the thin link not reported yet
  for (; t < 2000000; t += 20000) SendPairs(exchange, t, t + 20000);
  exchange.ReportUntil(t);
  CHECK(queue.bottleneck_bytes_per_s() >= 0.6 * 4000.0);
  CHECK(queue.bottleneck_bytes_per_s() <= 1.5 * 4000.0);
  // The grant returns; the edge pauses until the queue has drained, then
  // sends its pairs again, which read the fat link's rate.
  link.bytes_per_s = 1e6;
  t = std::max(t, link.last_departure_us) + 100000;
  SendPairs(exchange, t, t + 400000);
  exchange.ReportUntil(t + 400000);
  CHECK(queue.capacity_bytes_per_s() > 15000.0);
  CHECK(queue.bottleneck_bytes_per_s() == 0.0);
}

// A phone moving in and out of a cell's coverage (the adaptive bench's
// drift-coverage): 8 Mbit/s up with 80 ms one way, then 8 kbit/s with
// 120 ms. While the uplink is not measured to be the bottleneck the edge
// sends a 45-byte chunk every 50 ms and a 70-byte branch 1 ms after each
// (the branch gate lets them go); once it is, only a chunk every 300 ms
// (one per verdict at the cell edge's round trip, none of them queued
// behind another). The cloud reports every message's delivery (a
// verdict's chunk, or a receipt). Steps the exchange from `from_us` to
// `to_us`; returns the first time in it at which `flagged(queue)` held,
// or -1, and the lowest bottleneck estimate seen after that.
struct DriftReading {
  int64_t first_us = -1;
  double lowest_bottleneck = 0;
};
DriftReading DriftingCellUntil(TimedExchange& exchange, const UplinkQueue& queue, int64_t from_us,
                               int64_t to_us,
                               const std::function<bool(const UplinkQueue&)>& flagged) {
  DriftReading reading;
  for (int64_t t = from_us; t < to_us; t += 50000) {
    if (queue.bottleneck_bytes_per_s() == 0) {
      exchange.Send(t, 45);
      exchange.Send(t + 1000, 70);
    } else if ((t / 50000) % 6 == 0) {
      exchange.Send(t, 45);
    }
    exchange.ReportUntil(t + 50000);
    if (reading.first_us < 0 && flagged(queue)) {
      reading.first_us = t + 50000;
      reading.lowest_bottleneck = queue.bottleneck_bytes_per_s();
    }
    if (reading.first_us >= 0 && queue.bottleneck_bytes_per_s() > 0) {
      reading.lowest_bottleneck =
          std::min(reading.lowest_bottleneck, queue.bottleneck_bytes_per_s());
    }
  }
  return reading;
}

TEST_CASE("UplinkQueue: a drifting cell is read within a few round trips each way",
          "[edge][uplink_queue]") {
  SimulatedLink link{1e6, 80000};
  UplinkQueue queue;
  TimedExchange exchange(link, queue);
  auto bottleneck = [](const UplinkQueue& q) { return q.bottleneck_bytes_per_s() > 0; };
  auto fat = [](const UplinkQueue& q) { return q.bottleneck_bytes_per_s() == 0; };
  REQUIRE(DriftingCellUntil(exchange, queue, 0, 3000000, bottleneck).first_us < 0);
  for (int turn = 0; turn < 3; ++turn) {
    INFO("turn " << turn);
    const int64_t thin_at = 3000000 + turn * 6000000;
    link.bytes_per_s = 1000.0;
    link.propagation_us = 120000;
    const DriftReading thin =
        DriftingCellUntil(exchange, queue, thin_at, thin_at + 3000000, bottleneck);
    INFO("thin turn read after " << (thin.first_us - thin_at) / 1000 << " ms");
    REQUIRE(thin.first_us > 0);
    CHECK(thin.first_us - thin_at <= 600000);
    // The thin link's rate, not the edge's own sparse chunks on it (each a
    // round trip apart, queued only by the longer path): read as the link's
    // rate they would price a chunk's bytes at a fraction of their cost.
    CHECK(thin.lowest_bottleneck >= 0.5 * 1000.0);
    CHECK(queue.bottleneck_bytes_per_s() <= 2.0 * 1000.0);
    link.bytes_per_s = 1e6;
    link.propagation_us = 80000;
    const int64_t fat_at = thin_at + 3000000;
    const DriftReading fat_turn = DriftingCellUntil(exchange, queue, fat_at, fat_at + 3000000, fat);
    INFO("fat turn read after " << (fat_turn.first_us - fat_at) / 1000 << " ms");
    REQUIRE(fat_turn.first_us > 0);
    // The edge's chunks alone never read a fat link's rate; the estimate is
    // let go once no run of paced reports came for a window of 16.
    CHECK(fat_turn.first_us - fat_at <= 3000000);
  }
}

TEST_CASE("UplinkQueue: a backlog from nothing is flagged until the next report",
          "[edge][uplink_queue]") {
  // drift-coverage's thin turn, one report at a time: 45-byte messages every
  // 50 ms through a fat link (80 ms one way), then the uplink falls to
  // 1 kB/s (120 ms one way) while the edge sends three messages 5 ms apart.
  // The first report of the new link shows the first of them queued 40 ms
  // by the longer path plus its own 45 ms: a jump from nothing, flagged at
  // once, well before a paced run can say that the link is the bottleneck.
  SimulatedLink link{1e6, 80000};
  UplinkQueue queue;
  std::vector<SimulatedLink::Delivery> sent;
  auto send = [&](int64_t at_us, int64_t bytes) {
    sent.push_back(link.Send(at_us, bytes));
    queue.OnSent(link.total_bytes, at_us);
  };
  auto report = [&](size_t i) {
    queue.OnDelivered(sent[i].sent_at_us, sent[i].received_at_us, sent[i].bytes_received);
  };
  for (int i = 0; i < 10; ++i) send(i * 50000, 45);
  for (size_t i = 0; i < sent.size(); ++i) report(i);
  REQUIRE(queue.last_queueing_us() < UplinkQueue::kBottleneckQueueingUs);
  CHECK_FALSE(queue.queue_jumped());
  link.bytes_per_s = 1000.0;
  link.propagation_us = 120000;
  for (int i = 0; i < 3; ++i) send(500000 + i * 5000, 45);
  report(10);
  REQUIRE(queue.last_queueing_us() >= UplinkQueue::kQueueJumpUs);
  CHECK(queue.queue_jumped());
  CHECK(queue.bottleneck_bytes_per_s() == 0.0);  // a paced run needs more reports
  // A new session over the link holds on to it until a report settles it.
  CHECK(queue.ForNewSession().queue_jumped());
  // The next report, of a message sent before the jump was known (a receipt
  // in the same verdict, say), queued behind it: nothing new, still held.
  report(11);
  CHECK(queue.queue_jumped());
  CHECK(queue.bottleneck_bytes_per_s() == 0.0);
  // With the one after it, a paced run: the bottleneck is measured, and
  // the gate prices branches at its rate instead.
  report(12);
  CHECK_FALSE(queue.queue_jumped());
  CHECK(queue.bottleneck_bytes_per_s() > 0.0);
}

TEST_CASE("UplinkQueue: a jump is settled by a drained report or a message sent since",
          "[edge][uplink_queue]") {
  // A fat link (80 ms one way) whose path grows 100 ms longer at 0.5 s: the
  // edge's messages, 50 ms apart, all queue by 100 ms and none is paced.
  SimulatedLink link{1e6, 80000};
  UplinkQueue queue;
  std::vector<SimulatedLink::Delivery> sent;
  auto send = [&](int64_t at_us) {
    sent.push_back(link.Send(at_us, 45));
    queue.OnSent(link.total_bytes, at_us);
  };
  auto report = [&](size_t i) {
    queue.OnDelivered(sent[i].sent_at_us, sent[i].received_at_us, sent[i].bytes_received);
  };
  for (int i = 0; i < 10; ++i) send(i * 50000);
  for (size_t i = 0; i < sent.size(); ++i) report(i);
  link.propagation_us = 180000;
  send(500000);  // 10
  send(550000);  // 11
  report(10);    // a jump, known once the edge has sent message 11
  REQUIRE(queue.queue_jumped());
  report(11);  // sent before it was known: still held
  CHECK(queue.queue_jumped());
  send(700000);  // 12, sent since
  report(12);    // queued 100 ms, not paced: a longer path, let go
  CHECK_FALSE(queue.queue_jumped());
  CHECK(queue.bottleneck_bytes_per_s() == 0.0);
  // The path shortens again, then grows: a report without queueing settles
  // the new jump even if its message was sent before it was known.
  link.propagation_us = 80000;
  send(900000);  // 13
  report(13);
  link.propagation_us = 180000;
  send(1000000);  // 14
  link.propagation_us = 80000;
  send(1150000);  // 15, after it in the stream
  report(14);
  REQUIRE(queue.queue_jumped());
  report(15);
  CHECK_FALSE(queue.queue_jumped());
}

// Sends `count` messages of `bytes` every `period_us` through `link`, every
// other one delayed `odd_delay_us` more (jitter; the stream is not
// reordered, so the one after it waits for it), and reports them in order,
// one at a time; returns how many jumps began (a report that jumped while
// no jump was unsettled).
int JumpsReported(SimulatedLink& link, UplinkQueue& queue, int count, int64_t bytes,
                  int64_t period_us, int64_t odd_delay_us) {
  std::vector<SimulatedLink::Delivery> sent;
  for (int i = 0; i < count; ++i) {
    sent.push_back(link.Send(i * period_us, bytes));
    if (i % 2 == 1) sent.back().received_at_us += odd_delay_us;
    if (i > 0) {
      sent.back().received_at_us =
          std::max(sent.back().received_at_us, sent[sent.size() - 2].received_at_us);
    }
    queue.OnSent(link.total_bytes, i * period_us);
  }
  int jumps = 0;
  for (const SimulatedLink::Delivery& d : sent) {
    const bool unsettled = queue.queue_jumped();
    queue.OnDelivered(d.sent_at_us, d.received_at_us, d.bytes_received);
    if (queue.queue_jumped() && !unsettled) ++jumps;
  }
  return jumps;
}

TEST_CASE("UplinkQueue: jitter and a steady queue are not jumps", "[edge][uplink_queue]") {
  // A fat link whose cloud stamps every other message 30 ms late (cellular's
  // +-15 ms of jitter spans 30 ms): queued, but never by the jump.
  SimulatedLink fat{1e6, 50000};
  UplinkQueue jittered;
  CHECK(JumpsReported(fat, jittered, 100, 100, 10000, 30000) == 0);
  CHECK(jittered.last_queueing_us() >= 29000);
  // The same with 60 ms: the first late one jumps from nothing (the ones
  // after it queue behind each other).
  SimulatedLink fat_again{1e6, 50000};
  UplinkQueue late;
  CHECK(JumpsReported(fat_again, late, 100, 100, 10000, 60000) >= 1);
  // A thin link's standing backlog: every report after the first two queued
  // behind the one before, so only the second is a jump, settled once a
  // paced run measures the link.
  SimulatedLink thin{3000.0, 40000};
  UplinkQueue backlog;
  CHECK(JumpsReported(thin, backlog, 100, 200, 10000, 0) == 1);
  CHECK(backlog.last_queueing_us() > 1000000);
  CHECK_FALSE(backlog.queue_jumped());
  CHECK(backlog.bottleneck_bytes_per_s() > 0.0);
}

TEST_CASE("UplinkQueue: a brief slow spell on a fat link is not a bottleneck for long",
          "[edge][uplink_queue]") {
  // One 100-byte message every 20 ms (the edge's own 5 kB/s) through a fat
  // link that carries only 4 kB/s for 400 ms: the messages queue, and runs
  // of link-paced samples read the spell's rate. The fat link's samples
  // afterwards show only the edge's demand, which never doubles that, so
  // the spell must be forgotten once no run has come for a window of
  // reports (a loss stall on the wan preset made such a run).
  SimulatedLink link{1e6, 40000};
  UplinkQueue queue;
  TimedExchange exchange(link, queue);
  int64_t t = 0;
  for (; t < 400000; t += 20000) exchange.Send(t, 100);
  link.bytes_per_s = 4000.0;
  for (; t < 800000; t += 20000) exchange.Send(t, 100);
  link.bytes_per_s = 1e6;
  exchange.ReportUntil(t);
  CHECK(queue.bottleneck_bytes_per_s() > 0.0);
  for (; t < 2000000; t += 20000) exchange.Send(t, 100);
  exchange.ReportUntil(t);
  REQUIRE(queue.capacity_bytes_per_s() < 2 * 4000.0);  // no faster sample released it
  CHECK(queue.bottleneck_bytes_per_s() == 0.0);
}

TEST_CASE("UplinkQueue: a stall's release does not read as a thin link", "[edge][uplink_queue]") {
  // After 400 ms of pairs, one 100-byte message every 10 ms, and the link
  // stalls for 200 ms (a retransmission timeout): the messages sent in the
  // stall queue, then arrive together. Their samples show the edge's pace,
  // not the link's, and must not replace the pairs' rate.
  SimulatedLink link{1e6, 40000};
  link.stall_from_us = 500000;
  link.stall_to_us = 700000;
  UplinkQueue queue(/*capacity_window=*/64);
  TimedExchange exchange(link, queue);
  const double before = PairsFor400Ms(exchange, queue);
  REQUIRE(before > 15000.0);
  for (int64_t t = 400000; t < 1000000; t += 10000) exchange.Send(t, 100);
  exchange.ReportUntil(2000000);
  REQUIRE(queue.last_queueing_us() == 0);  // it drained
  CHECK(queue.capacity_bytes_per_s() >= before);
}

TEST_CASE("UplinkQueue: jitter alone does not read as a thin link", "[edge][uplink_queue]") {
  // The same fat link, and the cloud receives every message of 600 ms 20 ms
  // late (jitter that a TCP stream cannot reorder queues up to ~20 ms on the
  // presets): queued, but by less than a busy link's backlog.
  SimulatedLink link{1e6, 40000};
  UplinkQueue queue(/*capacity_window=*/64);
  TimedExchange exchange(link, queue);
  const double before = PairsFor400Ms(exchange, queue);
  REQUIRE(before > 15000.0);
  for (int64_t t = 400000; t < 1000000; t += 10000) exchange.Send(t, 100, 20000);
  exchange.ReportUntil(1000000);
  REQUIRE(queue.last_queueing_us() >= 19000);
  CHECK(queue.capacity_bytes_per_s() >= before);
  CHECK(queue.bottleneck_bytes_per_s() == 0.0);
}

TEST_CASE("UplinkQueue: an assumed rate predicts the queue before any report",
          "[edge][uplink_queue]") {
  UplinkQueue queue;
  CHECK(queue.AssumedQueueDelayUs(0, 400, 4000.0) == 100000);  // nothing sent yet
  // 400 bytes at t = 0 and 400 more at 50 ms into an assumed 4 kB/s link:
  // 100 ms of queue, half drained by 50 ms, then 150 ms.
  queue.OnSent(400, 0);
  queue.OnSent(800, 50000);
  CHECK(queue.AssumedQueueDelayUs(50000, 0, 4000.0) == 150000);
  CHECK(queue.AssumedQueueDelayUs(100000, 0, 4000.0) == 100000);
  CHECK(queue.AssumedQueueDelayUs(400000, 40, 4000.0) == 10000);  // drained; 40 more bytes
  // After a report has pruned the sends before it, what is left counts from
  // the first send still known: the 400 bytes at 50 ms are not re-counted
  // as the whole 800.
  queue.OnSent(1200, 60000);
  queue.OnDelivered(50000, 987654321 + 140000, 800);
  REQUIRE_FALSE(queue.measured());
  CHECK(queue.AssumedQueueDelayUs(60000, 0, 4000.0) == 100000);  // the 400 bytes at 60 ms
}

TEST_CASE("UplinkQueue: a fat uplink queues nothing", "[edge][uplink_queue]") {
  // 20 Mbit/s, 30 ms one way, the same messages: they never wait.
  SimulatedLink link{2.5e6, 30000};
  UplinkQueue queue;
  const int64_t now = 400000;
  Drive(link, queue, 40, 200, 10000, now);
  CHECK(link.QueueDelayUs(now) == 0);
  CHECK(queue.QueueDelayUs(now) < 1000);
  CHECK(queue.last_queueing_us() < 1000);
  CHECK(queue.bottleneck_bytes_per_s() == 0.0);  // no evidence of a bottleneck
  // Only the send rate is seen (a lower bound of the capacity): 20 kB/s.
  CHECK(queue.capacity_bytes_per_s() >= 19000.0);
}

TEST_CASE("UplinkQueue: a burst into a link that idled queues", "[edge][uplink_queue]") {
  // 3 kB/s, 40 ms one way. One message at t = 0, reported; the link idles
  // for 200 ms; then ten 100-byte messages at once: a 1000-byte queue,
  // 333 ms, whatever the idle time before it.
  SimulatedLink link{3000.0, 40000};
  UplinkQueue queue;
  Drive(link, queue, 3, 100, 1000, 150000);  // capacity sample and reports
  REQUIRE(queue.measured());
  const int64_t burst_at = 200000;
  for (int i = 0; i < 10; ++i) {
    link.Send(burst_at, 100);
    queue.OnSent(link.total_bytes, burst_at);
  }
  REQUIRE(link.QueueDelayUs(burst_at) > 300000);
  CHECK_THAT(static_cast<double>(queue.QueueDelayUs(burst_at)),
             Catch::Matchers::WithinRel(static_cast<double>(link.QueueDelayUs(burst_at)), 0.1));
}

TEST_CASE("UplinkQueue: a delivery already known is skipped, not a restart",
          "[edge][uplink_queue]") {
  // A verdict's receipts can report messages that arrived after the chunk
  // the next verdict is for; that chunk's own report then comes late. It
  // must neither count twice nor read as a clock step that drops the
  // reports (and the samples a sample needs).
  SimulatedLink link{4000.0, 40000};
  UplinkQueue queue;
  std::vector<SimulatedLink::Delivery> deliveries;
  for (int i = 0; i < 6; ++i) {
    const int64_t at = i * 10000;
    deliveries.push_back(link.Send(at, 200));
    queue.OnSent(link.total_bytes, at);
  }
  for (int i : {0, 1, 3, 4}) {
    queue.OnDelivered(deliveries[i].sent_at_us, deliveries[i].received_at_us,
                      deliveries[i].bytes_received);
  }
  const double capacity = queue.capacity_bytes_per_s();
  const int64_t queueing = queue.last_queueing_us();
  REQUIRE(capacity > 0);
  queue.OnDelivered(deliveries[2].sent_at_us, deliveries[2].received_at_us,
                    deliveries[2].bytes_received);  // late: already known
  CHECK(queue.capacity_bytes_per_s() == capacity);
  CHECK(queue.last_queueing_us() == queueing);
  // The next delivery still makes a sample against the last known one.
  queue.OnDelivered(deliveries[5].sent_at_us, deliveries[5].received_at_us,
                    deliveries[5].bytes_received);
  CHECK(queue.capacity_bytes_per_s() >= 0.6 * 4000.0);
  CHECK(queue.capacity_bytes_per_s() <= 1.5 * 4000.0);
  CHECK(queue.last_queueing_us() > queueing);
}

TEST_CASE("UplinkQueue: a new session starts from what the last one measured",
          "[edge][uplink_queue]") {
  // A thin link measured in one session; the next session's stream counts
  // its bytes from 0 and sends a burst before any report of its own.
  SimulatedLink link{3000.0, 40000};
  UplinkQueue first;
  Drive(link, first, 40, 200, 10000, 800000);
  REQUIRE(first.last_queueing_us() > 100000);
  const int64_t later = 20000000;  // the old backlog is long gone
  UplinkQueue next = first.ForNewSession();
  CHECK(next.measured());
  CHECK(next.capacity_bytes_per_s() == first.capacity_bytes_per_s());
  CHECK(next.last_queueing_us() == first.last_queueing_us());
  CHECK(next.QueueDelayUs(later) == 0);
  for (int64_t total = 300; total <= 900; total += 300) next.OnSent(total, later);
  // 900 bytes into a 3 kB/s link: 300 ms, known before the session's first report.
  CHECK_THAT(static_cast<double>(next.QueueDelayUs(later)),
             Catch::Matchers::WithinRel(300000.0, 0.05));
  // Its first report starts the new stream's reports: no rate sample
  // against the old stream's byte counts.
  next.OnDelivered(later, later + 40000 + 100000 + link.clock_offset_us, 300);
  CHECK(next.capacity_bytes_per_s() == first.capacity_bytes_per_s());
}

TEST_CASE("UplinkQueue: the queue drains once the edge stops sending", "[edge][uplink_queue]") {
  SimulatedLink link{3000.0, 40000};
  UplinkQueue queue;
  Drive(link, queue, 10, 300, 5000, 300000);  // 3000 bytes in 50 ms: a 1 s backlog
  CHECK(queue.QueueDelayUs(300000) > 500000);
  CHECK(queue.QueueDelayUs(1200000) == 0);  // long after the last byte left
}

}  // namespace
}  // namespace tandem::edge
