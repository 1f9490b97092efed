#ifndef TANDEM_EDGE_UPLINK_QUEUE_H_
#define TANDEM_EDGE_UPLINK_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <deque>

namespace tandem::edge {

// The uplink's bottleneck queue as the edge can predict it from its own
// sends and the cloud's receive times (Verdict.received_at_us), so that
// speculative traffic -- correction branches -- is sent only into a link
// with room (design §6; BBR's delivery-rate and min-delay ideas, Cardwell et
// al. 2016, and LEDBAT's one-way delay, RFC 6817).
//
// - Capacity C: the largest delivery rate between consecutive reports over
//   the last `capacity_window` of them (a max filter: while the sender
//   keeps the link busy a sample is the bottleneck's rate, otherwise less).
// - A chunk's queueing: its one-way delay (cloud receive time - edge send
//   time; the clocks' offset cancels) less the least one-way delay seen.
// - The queue now, a fluid model from the last reported chunk k, sent at
//   s_k, which left the queue at s_k + q_k (on the sender's clock): the bytes
//   sent since s_k, less what the link drained since s_k + q_k,
//     Q(now) = max(0, S(now) - S(s_k) - C (now - s_k - q_k)),
//   and its delay Q / C. Before any report, or without a capacity sample:
//   no queue is predicted (nothing is held back).
// Pure: the caller passes every time; unit-tested with a simulated link.
class UplinkQueue {
 public:
  explicit UplinkQueue(int capacity_window = 16) : capacity_window_(capacity_window) {}

  // The edge wrote a message: `total_bytes` sent so far (framed), at `at_us`.
  void OnSent(int64_t total_bytes, int64_t at_us);
  // A verdict: the chunk sent at `sent_at_us` (edge clock) arrived at
  // `received_at_us` (cloud clock), when `bytes_received` had arrived.
  void OnDelivered(int64_t sent_at_us, int64_t received_at_us, int64_t bytes_received);

  // Bytes per second; 0 until two reports at least `kMinSpanUs` apart.
  double capacity_bytes_per_s() const;
  // Whether there is a capacity sample: before it nothing is predicted.
  bool measured() const { return !capacity_samples_.empty(); }
  // The largest queueing delay among the last reported chunks (one-way
  // delay over the least seen): evidence that the uplink is a bottleneck,
  // without which the capacity is only the edge's own sending rate.
  int64_t recent_queueing_us() const;
  // The predicted queueing delay at `now_us`, in microseconds, if
  // `extra_bytes` more were sent then.
  int64_t QueueDelayUs(int64_t now_us, int64_t extra_bytes = 0) const;

  static constexpr int64_t kMinSpanUs = 1000;  // reports closer than this: one TCP read
  static constexpr size_t kRecentReports = 8;

 private:
  struct Report {
    int64_t received_at_us;
    int64_t bytes_received;
  };
  // Bytes sent up to and including the last message sent at or before `at_us`.
  int64_t SentBy(int64_t at_us) const;

  int capacity_window_;
  std::deque<Report> reports_;
  std::deque<double> capacity_samples_;            // bytes/s
  std::deque<std::pair<int64_t, int64_t>> sends_;  // (at_us, total_bytes)
  int64_t min_one_way_us_ = 0;
  int64_t last_sent_at_us_ = 0;  // of the last reported chunk
  // Queueing delays of the last kRecentReports chunks, the last one's at the
  // back; empty before the first report.
  std::deque<int64_t> recent_queueing_us_;
};

}  // namespace tandem::edge

#endif  // TANDEM_EDGE_UPLINK_QUEUE_H_
