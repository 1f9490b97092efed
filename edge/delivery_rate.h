#ifndef TANDEM_EDGE_DELIVERY_RATE_H_
#define TANDEM_EDGE_DELIVERY_RATE_H_

#include <cstdint>
#include <deque>

namespace tandem::edge {

// A link's delivery rate from a running byte count and when it was read:
// over the last `window` samples, (bytes_last - bytes_first) / (t_last -
// t_first). For the uplink the samples are the cloud's (Verdict.
// uplink_bytes_received at Verdict.received_at_us, the cloud's clock: only
// differences are used); for the downlink the edge's own (bytes received
// at arrival). What the link carried, not what it could: it equals the
// bottleneck's rate while the sender keeps the link busy (a thin uplink under
// correction branches), and the sender's rate otherwise. A window, not
// single samples: messages read from one TCP segment arrive microseconds
// apart, and their ratio says nothing about the link. Pure; unit-tested.
class DeliveryRate {
 public:
  explicit DeliveryRate(int window = 8) : window_(window) {}

  // `bytes` is cumulative; a sample that goes back in bytes or time (a
  // restarted counter, a clock step) starts the window over.
  void Observe(int64_t bytes, int64_t at_us);

  // kbit/s over the window; 0 until it spans at least `min_span_us`.
  double kbps(int64_t min_span_us = 1000) const;

 private:
  struct Sample {
    int64_t bytes;
    int64_t at_us;
  };
  int window_;
  std::deque<Sample> samples_;
};

}  // namespace tandem::edge

#endif  // TANDEM_EDGE_DELIVERY_RATE_H_
