#include "bench/linkem/direction_shaper.h"

#include <cmath>
#include <vector>

#include "bench/linkem/link_stats.h"
#include "catch2/catch.hpp"

namespace tandem::linkem {
namespace {

using absl::Milliseconds;

absl::Duration Ms(double ms) { return absl::Microseconds(std::llround(ms * 1000)); }

// One segment of `bytes` at `arrival_ms`; returns its delivery.
Delivery AdmitOne(DirectionShaper& shaper, double arrival_ms, int64_t bytes) {
  std::vector<Delivery> out;
  shaper.Admit(Ms(arrival_ms), bytes, &out);
  REQUIRE(out.size() == 1);
  return out[0];
}

TEST_CASE("DirectionShaper: a fixed delay is added to every segment", "[linkem]") {
  LinkProfile link;
  link.uplink.delay = Milliseconds(20);
  link.downlink.delay = Milliseconds(5);
  ProfileSchedule schedule(link);
  DirectionShaper up(Direction::kUplink, &schedule, nullptr, 1);
  DirectionShaper down(Direction::kDownlink, &schedule, nullptr, 1);
  CHECK(AdmitOne(up, 0, 100).due == Milliseconds(20));
  CHECK(AdmitOne(up, 7, 100).due == Milliseconds(27));
  CHECK(AdmitOne(down, 7, 100).due == Milliseconds(12));
}

TEST_CASE("DirectionShaper: a chunk is cut into MSS-sized segments", "[linkem]") {
  ProfileSchedule schedule((LinkProfile()));
  DirectionShaper shaper(Direction::kUplink, &schedule, nullptr, 1);
  std::vector<Delivery> out;
  shaper.Admit(Ms(0), 3000, &out);
  REQUIRE(out.size() == 3);
  CHECK(out[0].bytes == 1448);
  CHECK(out[1].bytes == 1448);
  CHECK(out[2].bytes == 104);  // 3000 - 2 * 1448
  for (const Delivery& d : out) CHECK(d.due == absl::ZeroDuration());
}

TEST_CASE("DirectionShaper: at 8 Mbit/s 1000 bytes serialize in 1 ms", "[linkem]") {
  LinkProfile link;
  link.mss_bytes = 1000;
  link.uplink.rate_kbps = 8000;  // 8e6 bit/s = 1000 bytes per ms
  link.uplink.delay = Milliseconds(10);
  ProfileSchedule schedule(link);
  DirectionShaper shaper(Direction::kUplink, &schedule, nullptr, 1);
  // tx_end = 0 + 1000 * 8 / 8e6 s = 1 ms; due = 1 + 10 ms.
  CHECK(AdmitOne(shaper, 0, 1000).due == Milliseconds(11));
  // Back to back: the second waits for the first (tx_end 2 ms).
  CHECK(AdmitOne(shaper, 0.5, 1000).due == Milliseconds(12));
  // After an idle gap the link is free again: 50 + 0.5 + 10 (500 bytes = 0.5 ms).
  CHECK(AdmitOne(shaper, 50, 500).due == Ms(60.5));
}

TEST_CASE("DirectionShaper: a full queue stops admission until the bottleneck drains", "[linkem]") {
  LinkProfile link;
  link.mss_bytes = 1000;
  link.uplink.rate_kbps = 8000;  // 1000 bytes per ms
  link.uplink.queue_bytes = 4000;
  ProfileSchedule schedule(link);
  DirectionShaper shaper(Direction::kUplink, &schedule, nullptr, 1);
  CHECK(shaper.AdmissibleBytes(Ms(0)) == 4000);
  std::vector<Delivery> out;
  shaper.Admit(Ms(0), 4000, &out);  // tx_end 1, 2, 3, 4 ms
  CHECK(shaper.QueuedBytes(Ms(0)) == 4000);
  CHECK(shaper.AdmissibleBytes(Ms(0)) == 0);  // backpressure: the sender must wait
  CHECK(shaper.NextDequeue() == Milliseconds(1));
  CHECK(shaper.AdmissibleBytes(Ms(0.999)) == 0);
  CHECK(shaper.AdmissibleBytes(Ms(1)) == 1000);
  CHECK(shaper.NextDequeue() == Milliseconds(2));
  CHECK(shaper.AdmissibleBytes(Ms(2.5)) == 2000);
  CHECK(shaper.AdmissibleBytes(Ms(4)) == 4000);
  CHECK(shaper.NextDequeue() == absl::InfiniteDuration());
}

TEST_CASE("DirectionShaper: jitter never reorders and spreads delays uniformly", "[linkem]") {
  LinkProfile link;
  link.uplink.delay = Milliseconds(50);
  link.uplink.jitter = Milliseconds(10);
  ProfileSchedule schedule(link);

  // Dense arrivals (every 0.1 ms, far closer than the 20 ms jitter range): due
  // times must still never decrease, and never precede arrival + delay - jitter.
  DirectionShaper dense(Direction::kUplink, &schedule, nullptr, 7);
  absl::Duration previous = absl::ZeroDuration();
  bool ordered = true, bounded = true;
  for (int i = 0; i < 10000; ++i) {
    const Delivery d = AdmitOne(dense, i * 0.1, 100);
    ordered = ordered && d.due >= previous;
    bounded = bounded && d.due - d.arrival >= Milliseconds(40);
    previous = d.due;
  }
  CHECK(ordered);
  CHECK(bounded);

  // Sparse arrivals (every 100 ms > 2 * jitter): each delay is an independent
  // U(40, 60) ms sample: mean 50, standard deviation 10 / sqrt(3) = 5.774 ms. With
  // n = 20000 the standard error of the mean is 5.774 / sqrt(n) = 0.041 ms and of the
  // standard deviation about 0.023 ms; the tolerances below are ~6 standard errors.
  DirectionShaper sparse(Direction::kUplink, &schedule, nullptr, 11);
  constexpr int kSamples = 20000;
  double sum = 0, sum_sq = 0, min_ms = 1e9, max_ms = 0;
  for (int i = 0; i < kSamples; ++i) {
    const Delivery d = AdmitOne(sparse, i * 100.0, 100);
    const double ms = absl::ToDoubleMilliseconds(d.due - d.arrival);
    sum += ms;
    sum_sq += ms * ms;
    min_ms = std::min(min_ms, ms);
    max_ms = std::max(max_ms, ms);
  }
  const double mean = sum / kSamples;
  const double sd = std::sqrt(sum_sq / kSamples - mean * mean);
  CHECK(mean == Approx(50.0).margin(0.25));
  CHECK(sd == Approx(5.774).margin(0.15));
  CHECK(min_ms >= 40.0);
  CHECK(max_ms <= 60.0);
  CHECK(min_ms < 40.5);  // the whole range is used
  CHECK(max_ms > 59.5);
}

TEST_CASE("DirectionShaper: isolated losses stall one RTT, consecutive ones a doubling RTO",
          "[linkem]") {
  LinkProfile link;
  link.uplink.delay = Milliseconds(30);
  link.downlink.delay = Milliseconds(20);  // RTT 50 ms
  link.uplink.loss = 0.3;
  link.min_rto = Milliseconds(200);  // RTO = max(200, 2 * 50) = 200 ms
  ProfileSchedule schedule(link);
  DirectionShaper shaper(Direction::kUplink, &schedule, nullptr, 3);
  // Arrivals 10 s apart, so no stall spills into the next segment and each
  // delay shows its own stall: 30 ms, +50 for the first loss of a run, +200 for
  // the second, +400 for the third, ... (capped by max_rto = 120 s).
  int run = 0;
  int64_t runs_of_two_or_more = 0;
  bool all_match = true;
  for (int i = 0; i < 2000; ++i) {
    const Delivery d = AdmitOne(shaper, i * 10000.0, 100);
    run = d.lost ? run + 1 : 0;
    absl::Duration expected = Milliseconds(30);
    if (run == 1) expected += Milliseconds(50);
    if (run >= 2) expected += Milliseconds(200) * (1 << (run - 2));
    all_match = all_match && d.due - d.arrival == expected && d.rto == (run >= 2);
    runs_of_two_or_more += run == 2;
  }
  CHECK(all_match);
  CHECK(runs_of_two_or_more > 0);  // the seed exercises the RTO branch
}

TEST_CASE("DirectionShaper: a loss stall holds back every segment behind it", "[linkem]") {
  LinkProfile link;
  link.uplink.delay = Milliseconds(10);
  link.downlink.delay = Milliseconds(10);  // RTT 20 ms
  link.uplink.loss = 0.05;
  ProfileSchedule schedule(link);
  DirectionShaper shaper(Direction::kUplink, &schedule, nullptr, 5);
  std::vector<Delivery> all;
  for (int i = 0; i < 2000; ++i) shaper.Admit(Ms(i * 1.0), 100, &all);  // one per ms
  int64_t checked = 0;
  for (size_t i = 1; i + 1 < all.size(); ++i) {
    if (!all[i].lost || all[i - 1].lost) continue;
    // The isolated loss is due one RTT late, and the next segment (1 ms later,
    // normally due at arrival + 10) waits behind it.
    CHECK(all[i].due >= all[i].arrival + Milliseconds(30));
    CHECK(all[i + 1].due >= all[i].due);
    CHECK(all[i + 1].due > all[i + 1].arrival + Milliseconds(10));
    ++checked;
  }
  CHECK(checked > 20);  // ~5% of 2000
  for (size_t i = 1; i < all.size(); ++i) REQUIRE(all[i].due >= all[i - 1].due);
}

TEST_CASE("DirectionShaper: Gilbert-Elliott stalls have the chain's long-run frequency",
          "[linkem]") {
  LinkProfile link;
  link.uplink.burst_p = 0.01;
  link.uplink.burst_r = 0.25;
  link.uplink.burst_loss = 1.0;
  ProfileSchedule schedule(link);
  DirectionShaper shaper(Direction::kUplink, &schedule, nullptr, 99);
  DirectionStats stats;
  std::vector<Delivery> out;
  constexpr int kSegments = 1000000;
  for (int i = 0; i < kSegments; ++i) {
    out.clear();
    shaper.Admit(Ms(i * 1.0), 100, &out);
    stats.Add(out[0]);
  }
  // pi_bad = 0.01 / 0.26 = 3.846% of segments lost; runs start at rate
  // pi_good * p = 0.9615% (one fast-retransmit stall each), and each run has on
  // average 1 / r - 1 = 3 further losses (RTO stalls). With n = 1e6 the standard
  // errors are 1.3% (loss fraction; losses are correlated, see loss_model_test),
  // 1.0% (run count, ~9600 runs) and 1.2% (the ratio: geometric runs, sd 3.46);
  // 5% is 4 or more standard errors.
  CHECK(stats.lost_segments / double{kSegments} == Approx(0.03846).epsilon(0.05));
  CHECK(stats.fast_retransmit_stalls / double{kSegments} == Approx(0.009615).epsilon(0.05));
  CHECK(static_cast<double>(stats.rto_stalls) / stats.fast_retransmit_stalls ==
        Approx(3.0).epsilon(0.05));
  CHECK(stats.loss_stall_time > absl::ZeroDuration());
}

TEST_CASE("DirectionShaper: a stall-mode outage delivers at the end of its window", "[linkem]") {
  LinkProfile link;
  link.uplink.delay = Milliseconds(20);
  ProfileSchedule schedule(link);
  REQUIRE(schedule.AddOutage({Milliseconds(100), Milliseconds(200), OutageMode::kStall}).ok());
  DirectionShaper shaper(Direction::kUplink, &schedule, nullptr, 1);
  CHECK(AdmitOne(shaper, 50, 10).due == Milliseconds(70));  // before the window
  const Delivery inside = AdmitOne(shaper, 90, 10);         // due 110 -> 200
  CHECK(inside.due == Milliseconds(200));
  CHECK(inside.outage_stall == Milliseconds(90));
  CHECK(AdmitOne(shaper, 150, 10).due == Milliseconds(200));  // due 170 -> 200
  const Delivery after = AdmitOne(shaper, 185, 10);           // due 205: untouched
  CHECK(after.due == Milliseconds(205));
  CHECK(after.outage_stall == absl::ZeroDuration());
}

TEST_CASE("DirectionShaper: schedule changes govern segments arriving after them", "[linkem]") {
  LinkProfile base;
  base.uplink.delay = Milliseconds(50);
  auto schedule =
      ProfileSchedule::Parse("1000 up.delay_ms=10\n2000 up.delay_ms=100\n", base, "test");
  REQUIRE(schedule.ok());
  DirectionShaper shaper(Direction::kUplink, &*schedule, nullptr, 1);
  CHECK(AdmitOne(shaper, 990, 10).due == Milliseconds(1040));
  // Delay drops to 10 ms at 1000: 1000 + 10 = 1010 would overtake the segment due
  // at 1040, so it waits (bytes are never reordered).
  CHECK(AdmitOne(shaper, 1000, 10).due == Milliseconds(1040));
  CHECK(AdmitOne(shaper, 1500, 10).due == Milliseconds(1510));
  CHECK(AdmitOne(shaper, 1999, 10).due == Milliseconds(2009));
  CHECK(AdmitOne(shaper, 2000, 10).due == Milliseconds(2100));
}

TEST_CASE("DirectionShaper: a change of rate applies to the bytes already queued", "[linkem]") {
  // 8 kbit/s (1 byte per ms) until 1 s, then 8 Mbit/s (1000 bytes per ms),
  // then 8 kbit/s again from 2 s; no delay.
  LinkProfile base;
  base.mss_bytes = 1000;
  base.uplink.rate_kbps = 8;
  auto schedule =
      ProfileSchedule::Parse("1000 up.rate_kbps=8000\n2000 up.rate_kbps=8\n", base, "test");
  REQUIRE(schedule.ok());
  DirectionShaper shaper(Direction::kUplink, &*schedule, nullptr, 1);
  // Read at 500 ms: 500 bytes go by 1 s at the thin rate, the other 500 in
  // 0.5 ms after it, once the link is fat (not at 1.5 s: the rate it was
  // read at).
  CHECK(AdmitOne(shaper, 500, 1000).due == Ms(1000.5));
  // Queued behind it, read at 900 ms: all at the fat rate, 1 ms.
  CHECK(AdmitOne(shaper, 900, 1000).due == Ms(1001.5));
  // Read at 1999.5 ms: 500 bytes in the fat link's last 0.5 ms, the rest at
  // 1 byte per ms.
  CHECK(AdmitOne(shaper, 1999.5, 1000).due == Ms(2500));
}

TEST_CASE("DirectionShaper: a delivery trace paces one segment per opportunity", "[linkem]") {
  // Opportunities at 1, 1, 5, 10 ms, repeating every 10 ms: 11, 11, 15, 20, ...
  auto trace = DeliveryTrace::Parse("1\n1\n5\n10\n", "trace");
  REQUIRE(trace.ok());
  LinkProfile link;
  link.mss_bytes = 1000;
  link.uplink.rate_kbps = 1;  // ignored: the trace drives the rate
  ProfileSchedule schedule(link);
  DirectionShaper shaper(Direction::kUplink, &schedule, &*trace, 1);
  std::vector<Delivery> out;
  shaper.Admit(Ms(0), 3000, &out);
  REQUIRE(out.size() == 3);
  CHECK(out[0].due == Milliseconds(1));
  CHECK(out[1].due == Milliseconds(1));
  CHECK(out[2].due == Milliseconds(5));
  // The opportunities at 10, 11, 11 pass unused (they do not accumulate).
  CHECK(AdmitOne(shaper, 12, 10).due == Milliseconds(15));
  CHECK(AdmitOne(shaper, 12, 10).due == Milliseconds(20));
}

TEST_CASE("DirectionShaper: a FIN waits for the data before it and one delay", "[linkem]") {
  LinkProfile link;
  link.uplink.delay = Milliseconds(20);
  ProfileSchedule schedule(link);
  DirectionShaper shaper(Direction::kUplink, &schedule, nullptr, 1);
  CHECK(shaper.CloseDue(Ms(5)) == Milliseconds(25));
  LinkProfile slow = link;
  slow.uplink.rate_kbps = 8;  // 1 byte per ms
  ProfileSchedule slow_schedule(slow);
  DirectionShaper slow_shaper(Direction::kUplink, &slow_schedule, nullptr, 1);
  AdmitOne(slow_shaper, 0, 100);  // tx_end 100 ms, due 120 ms
  CHECK(slow_shaper.CloseDue(Ms(1)) == Milliseconds(120));
}

}  // namespace
}  // namespace tandem::linkem
