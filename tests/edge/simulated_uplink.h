// A simulated FIFO uplink for the tests of the edge's uplink model
// (UplinkQueue) and of the branch gate built on it.
#ifndef TANDEM_TESTS_EDGE_SIMULATED_UPLINK_H_
#define TANDEM_TESTS_EDGE_SIMULATED_UPLINK_H_

#include <algorithm>
#include <cstdint>
#include <deque>
#include <vector>

#include "edge/uplink_queue.h"

namespace tandem::edge {

// A FIFO bottleneck: a message sent at s of b bytes leaves at
// max(s, previous departure) + b / C and arrives P later (on a cloud clock
// offset by an arbitrary constant).
struct SimulatedLink {
  double bytes_per_s;
  int64_t propagation_us;
  int64_t clock_offset_us = 987654321;
  int64_t last_departure_us = 0;
  int64_t total_bytes = 0;
  // A stall (a retransmission timeout): nothing starts to leave in
  // [stall_from_us, stall_to_us); what waits leaves back to back after.
  int64_t stall_from_us = 0;
  int64_t stall_to_us = 0;

  struct Delivery {
    int64_t sent_at_us, received_at_us, bytes_received;
  };
  Delivery Send(int64_t at_us, int64_t bytes) {
    total_bytes += bytes;
    int64_t start_us = std::max(at_us, last_departure_us);
    if (start_us >= stall_from_us && start_us < stall_to_us) start_us = stall_to_us;
    last_departure_us =
        start_us + static_cast<int64_t>(static_cast<double>(bytes) / bytes_per_s * 1e6);
    return {at_us, last_departure_us + propagation_us + clock_offset_us, total_bytes};
  }
  // The true queueing delay a byte sent at `now_us` would see.
  int64_t QueueDelayUs(int64_t now_us) const {
    return std::max<int64_t>(0, last_departure_us - now_us);
  }
};

// Runs an exchange in time order: the edge sends through `link`, and every
// delivery is reported to `queue` once the edge would know of it (its
// arrival, one propagation delay back).
class TimedExchange {
 public:
  TimedExchange(SimulatedLink& link, UplinkQueue& queue) : link_(link), queue_(queue) {}

  // Reports what the edge knows of by `now_us`, then sends `bytes` at
  // `now_us`; the cloud stamps it `receive_delay_us` late (its side of
  // jitter: it must not reorder the stream).
  void Send(int64_t now_us, int64_t bytes, int64_t receive_delay_us = 0) {
    ReportUntil(now_us);
    SimulatedLink::Delivery delivery = link_.Send(now_us, bytes);
    delivery.received_at_us += receive_delay_us;
    queue_.OnSent(link_.total_bytes, now_us);
    pending_.push_back(delivery);
  }
  void ReportUntil(int64_t now_us) {
    while (!pending_.empty() && KnownAt(pending_.front()) <= now_us) {
      const SimulatedLink::Delivery& d = pending_.front();
      queue_.OnDelivered(d.sent_at_us, d.received_at_us, d.bytes_received);
      pending_.pop_front();
      ++reports_;
    }
  }
  int reports() const { return reports_; }
  int sent() const { return reports_ + static_cast<int>(pending_.size()); }

 private:
  int64_t KnownAt(const SimulatedLink::Delivery& d) const {
    return d.received_at_us - link_.clock_offset_us + link_.propagation_us;
  }
  SimulatedLink& link_;
  UplinkQueue& queue_;
  std::deque<SimulatedLink::Delivery> pending_;  // sent, not yet reported
  int reports_ = 0;
};

// Sends `count` messages of `bytes` every `period_us` from t = 0 and reports
// each delivery to `queue` once it would have reached the edge (one more
// propagation delay after arriving), up to `now_us`.
inline void Drive(SimulatedLink& link, UplinkQueue& queue, int count, int64_t bytes,
                  int64_t period_us, int64_t now_us) {
  std::vector<SimulatedLink::Delivery> deliveries;
  for (int i = 0; i < count; ++i) {
    const int64_t at = i * period_us;
    deliveries.push_back(link.Send(at, bytes));
    queue.OnSent(link.total_bytes, at);
  }
  for (const auto& d : deliveries) {
    const int64_t known_at = d.received_at_us - link.clock_offset_us + link.propagation_us;
    if (known_at <= now_us) queue.OnDelivered(d.sent_at_us, d.received_at_us, d.bytes_received);
  }
}

}  // namespace tandem::edge

#endif  // TANDEM_TESTS_EDGE_SIMULATED_UPLINK_H_
