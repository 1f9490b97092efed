// A simulated FIFO uplink for the tests of the edge's uplink model
// (UplinkQueue) and of the branch gate built on it.
#ifndef TANDEM_TESTS_EDGE_SIMULATED_UPLINK_H_
#define TANDEM_TESTS_EDGE_SIMULATED_UPLINK_H_

#include <algorithm>
#include <cstdint>
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

  struct Delivery {
    int64_t sent_at_us, received_at_us, bytes_received;
  };
  Delivery Send(int64_t at_us, int64_t bytes) {
    total_bytes += bytes;
    last_departure_us = std::max(at_us, last_departure_us) +
                        static_cast<int64_t>(static_cast<double>(bytes) / bytes_per_s * 1e6);
    return {at_us, last_departure_us + propagation_us + clock_offset_us, total_bytes};
  }
  // The true queueing delay a byte sent at `now_us` would see.
  int64_t QueueDelayUs(int64_t now_us) const {
    return std::max<int64_t>(0, last_departure_us - now_us);
  }
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
