#ifndef TANDEM_EDGE_UPLINK_QUEUE_H_
#define TANDEM_EDGE_UPLINK_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
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
//   the bottleneck's rate, otherwise less). A sample is the bytes delivered
//   since the latest report at least kMinSpanUs earlier, over the longer of
//   the two reports' receive interval and send interval (BBR's delivery
//   rate, draft-cheng-iccrg-delivery-rate-estimation: a link cannot deliver
//   faster than the edge sent).
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
  // stream: its byte counts start over): the capacity samples, the least
  // one-way delay and the recent chunks' queueing are kept, the sends and
  // the stream's byte reports are not. The last reported chunk's backlog has
  // drained by the time the new session sends, so nothing is predicted
  // queued until it does; the first new report replaces the stale queueing.
  UplinkQueue ForNewSession() const;

  // The edge wrote a message: `total_bytes` sent so far (framed), at `at_us`.
  void OnSent(int64_t total_bytes, int64_t at_us);
  // A verdict: the chunk sent at `sent_at_us` (edge clock) arrived at
  // `received_at_us` (cloud clock), when `bytes_received` had arrived.
  void OnDelivered(int64_t sent_at_us, int64_t received_at_us, int64_t bytes_received);

  // Bytes per second; 0 until two reports at least `kMinSpanUs` apart.
  double capacity_bytes_per_s() const;
  // Whether there is a capacity sample: before it nothing is predicted.
  bool measured() const { return !capacity_samples_.empty(); }
  // The least queueing delay (one-way delay over the least seen) among the
  // last kStandingReports reported chunks: a standing queue, evidence that
  // the uplink is a bottleneck (without it the capacity is only the edge's
  // own sending rate). The least, not the last: jitter delays one chunk, a
  // bottleneck every one sent while it is busy.
  int64_t standing_queueing_us() const;
  // The predicted queueing delay at `now_us`, in microseconds, if
  // `extra_bytes` more were sent then, and the link drained at
  // `capacity_gain` times the capacity estimate.
  int64_t QueueDelayUs(int64_t now_us, int64_t extra_bytes = 0, double capacity_gain = 1) const;

  // A receive time is when the cloud's gRPC thread read the message: late
  // by up to one verification (~5 ms) when that thread waits for a core, so
  // two messages can read as arriving together. Over spans of at least this
  // one sample's error stays under ~25%; over 1 ms spans a 32 kbit/s uplink
  // measured 70-100 kbit/s, and branches the gate should have held went out.
  static constexpr int64_t kMinSpanUs = 20000;
  static constexpr size_t kStandingReports = 3;

 private:
  struct Report {
    int64_t sent_at_us;  // edge clock
    int64_t received_at_us;
    int64_t bytes_received;
  };
  int capacity_window_;
  std::deque<Report> reports_;
  std::deque<double> capacity_samples_;            // bytes/s
  std::deque<std::pair<int64_t, int64_t>> sends_;  // (at_us, total_bytes)
  int64_t min_one_way_us_ = 0;
  int64_t last_sent_at_us_ = 0;  // of the last reported chunk
  // Queueing delays of the last kStandingReports chunks, the last one's at the
  // back; empty before the first report.
  std::deque<int64_t> recent_queueing_us_;
};

}  // namespace tandem::edge

#endif  // TANDEM_EDGE_UPLINK_QUEUE_H_
