#ifndef TANDEM_EDGE_UPLINK_QUEUE_H_
#define TANDEM_EDGE_UPLINK_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

namespace tandem::edge {

// The uplink's bottleneck queue as the edge can predict it from its own
// sends and the cloud's receive times (Verdict.received_at_us), so that
// speculative traffic -- correction branches -- is sent only into a link
// with room (design §6; BBR's delivery-rate and min-delay ideas, Cardwell et
// al. 2016, and LEDBAT's one-way delay, RFC 6817).
//
// - Capacity C: the largest delivery rate over the last `capacity_window`
//   reports (a max filter: while the sender keeps the link busy a sample is
//   the bottleneck's rate, otherwise less). The cloud stamps a message when
//   its gRPC thread reads it, up to a verification (~5 ms) late when that
//   thread waits for a core, so messages 12 ms apart on a thin link can
//   read as 2-7 ms apart. A sample is therefore the better of two bounds
//   that such lateness cannot inflate much: the bytes since the previous
//   report over the interval plus kReceiveSlackUs (a burst into a fat link,
//   whose reports are otherwise a round trip apart), and the bytes since the
//   latest report at least kMinSpanUs earlier over that interval (a thin
//   link, whose messages are spread out). An interval is the longer of the
//   receive and the send interval (BBR's delivery-rate rule,
//   draft-cheng-iccrg-delivery-rate-estimation: a link cannot deliver
//   faster than the edge sent).
//   A max filter rises at once and falls only as samples age out: when the
//   link turns thin (a cell's uplink grant shrinks) it would keep the fat
//   link's rate for `capacity_window` reports -- over a second -- and let
//   speculative bytes into a queue already seconds long. A sample is paced
//   by the link when the chunks at both its ends queued >=
//   kBottleneckQueueingUs (above what the presets' jitter alone queues) and
//   the link delivered them at least half as far apart as they were sent
//   (not a stall's release); such a sample is the bottleneck's rate, so once
//   kBottleneckSamples of them run back to back the samples before the run
//   are dropped (BBR lets only samples that are not app-limited lower its
//   estimate; here only link-paced ones do). A path whose propagation delay
//   grows by more than kBottleneckQueueingUs (a route change; the `drift`
//   bench profile's slow phase) also reads as queueing, and its samples,
//   the edge's own sending rate, then replace the older ones: a lower bound
//   that the next faster sample lifts again.
// - A chunk's queueing: its one-way delay (cloud receive time - edge send
//   time; the clocks' offset cancels) less the least one-way delay seen.
// - The queue now, a fluid model from the last reported chunk k, sent at
//   s_k with queueing q_k (on the sender's clock): C q_k bytes at s_k, then
//   for each message sent since, at t_i with b_i bytes,
//     Q(t_i) = max(0, Q(t_{i-1}) - C (t_i - t_{i-1})) + b_i,
//   drained to `now` the same way; its delay is Q / C. (Not the bytes sent
//   since s_k less C (now - s_k - q_k): a link that idled banks no credit
//   for the burst after it.) Before any report, or without a capacity
//   sample: no queue is predicted (nothing is held back).
// Pure: the caller passes every time; unit-tested with a simulated link.
class UplinkQueue {
 public:
  explicit UplinkQueue(int capacity_window = 16) : capacity_window_(capacity_window) {}

  // What this link's earlier sessions taught, for a new session (a new
  // stream: its byte counts start over): the capacity samples, whether the
  // link is the bottleneck, the least one-way delay and the last chunk's
  // queueing are kept, the sends and the stream's byte reports are not. The
  // last reported chunk's backlog has drained by the time the new session
  // sends, so nothing is predicted queued until it does; the first new
  // report replaces the stale queueing.
  UplinkQueue ForNewSession() const;

  // The edge wrote a message: `total_bytes` sent so far (framed), at `at_us`.
  void OnSent(int64_t total_bytes, int64_t at_us);
  // A delivery, from a verdict (its chunk's, or a receipt of a message the
  // cloud dropped): the message sent at `sent_at_us` (edge clock) arrived at
  // `received_at_us` (cloud clock), when `bytes_received` had arrived. In
  // arrival order; one that arrived no later, with no more bytes, than the
  // last is already known and skipped.
  void OnDelivered(int64_t sent_at_us, int64_t received_at_us, int64_t bytes_received);

  // Bytes per second; 0 until two reports.
  double capacity_bytes_per_s() const;
  // Whether there is a capacity sample: before it nothing is predicted.
  bool measured() const { return !capacity_samples_.empty(); }
  // The capacity while the uplink is measured to be the bottleneck: since
  // the last run of kBottleneckSamples link-paced samples (above), as long
  // as the estimate has not risen past kBottleneckRelease times what it was
  // then (the link turned fat again) and another run came within
  // `capacity_window` reports (one loss stall's run on a fat link does not
  // last); 0 otherwise. The draft-length controller prices a chunk's bytes
  // at this rate (a thin link makes short chunks' fixed bytes cost
  // throughput).
  double bottleneck_bytes_per_s() const;
  // The last reported chunk's queueing delay (0 before any report): the part
  // of its round trip spent behind the edge's own earlier messages.
  int64_t last_queueing_us() const { return last_queueing_us_.value_or(0); }
  // Whether the queueing jumped and is not yet settled. A report jumps when
  // it queued at least kQueueJumpUs where the report before it queued less
  // than kBottleneckQueueingUs: the first message behind a backlog that
  // came from nothing. The uplink may just have turned thin, or a loss
  // stalled it, or the path grew longer. One report cannot tell them apart
  // (a paced run takes more, above), and on a link that turned thin every
  // byte sent meanwhile joins the backlog. A later report settles it when
  // it queued less than kBottleneckQueueingUs (the backlog drained), when
  // a paced run measured the bottleneck, or when its message was sent after
  // the jump was known (the link as it is now, without a paced run). Reports
  // of messages sent before that tell nothing new: a verdict that brings a
  // jump often brings receipts of the messages sent right after, queued
  // behind it, and on drift-coverage such receipts settled the jump at once
  // and 11-15 branches followed into the thin link (docs/benchmarks.md).
  bool queue_jumped() const { return queue_jumped_; }
  // The queueing delay of a message sent at `sent_at_us` that arrived at
  // `received_at_us` (a delivery already reported): its one-way delay over
  // the least seen; 0 before any report.
  int64_t QueueingUs(int64_t sent_at_us, int64_t received_at_us) const;
  // The predicted queueing delay at `now_us`, in microseconds, if
  // `extra_bytes` more were sent then, the link draining at the capacity
  // estimate.
  int64_t QueueDelayUs(int64_t now_us, int64_t extra_bytes = 0) const;
  // Before the link is measured: the queueing delay at `now_us`, with
  // `extra_bytes` more sent then, of a link that drains at `bytes_per_s`
  // and was empty at the first send still known (the same fluid model).
  int64_t AssumedQueueDelayUs(int64_t now_us, int64_t extra_bytes, double bytes_per_s) const;

  // The capacity samples' spans (above). With 1 ms spans and no slack a
  // 32 kbit/s uplink measured 43-56 kbit/s (70-100 traced end to end); with
  // 20 ms spans alone a GEO link's reports, a round trip apart, measured the
  // edge's own 5-20 kbit/s of demand and the branch gate held branches the
  // 3 Mbit/s link had room for.
  static constexpr int64_t kMinSpanUs = 20000;
  static constexpr int64_t kReceiveSlackUs = 5000;
  // Replayed offline on the reports of drift-uplink's thin phases and of the
  // cellular, satellite and wan presets: 25 ms and a run of 2 read a thin
  // phase in 0.35 s on average (1.3 s before) and cut no preset's estimate.
  static constexpr int64_t kBottleneckQueueingUs = 25000;
  // Twice that: above what the presets' jitter alone queues (cellular's
  // +-15 ms spans 30 ms), below what drift-coverage's first chunk behind
  // its thin turn reads (111-194 ms traced).
  static constexpr int64_t kQueueJumpUs = 50000;
  static constexpr size_t kBottleneckSamples = 2;
  static constexpr double kBottleneckRelease = 2.0;

 private:
  // The fluid model from `queued` bytes at `from_us` (the total sent then
  // `from_total`) through every later send to `now_us`, plus `extra_bytes`:
  // the bytes queued, draining at `bytes_per_s`.
  double QueuedBytes(double bytes_per_s, double queued, int64_t from_us, int64_t from_total,
                     int64_t now_us, int64_t extra_bytes) const;

  struct Report {
    int64_t sent_at_us;  // edge clock
    int64_t received_at_us;
    int64_t bytes_received;
  };
  int capacity_window_;
  std::deque<Report> reports_;
  struct CapacitySample {
    double bytes_per_s;
    bool paced_by_link;
  };
  std::deque<CapacitySample> capacity_samples_;
  // The capacity estimate right after the last run of link-paced samples;
  // 0 before one, and once released (bottleneck_bytes_per_s).
  double paced_capacity_ = 0;
  int reports_since_paced_run_ = 0;                // capacity samples since that run
  std::deque<std::pair<int64_t, int64_t>> sends_;  // (at_us, total_bytes)
  int64_t min_one_way_us_ = 0;
  int64_t last_sent_at_us_ = 0;  // of the last reported chunk
  // The last reported chunk's queueing delay (its one-way delay over the
  // least seen); empty before the first report.
  std::optional<int64_t> last_queueing_us_;
  bool queue_jumped_ = false;
  // The latest send when the unsettled jump was reported: a message sent
  // after it reports the link as it was once the edge knew.
  int64_t jump_known_after_send_us_ = 0;
};

}  // namespace tandem::edge

#endif  // TANDEM_EDGE_UPLINK_QUEUE_H_
