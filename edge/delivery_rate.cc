#include "edge/delivery_rate.h"

#include <algorithm>

namespace tandem::edge {

void DeliveryRate::Observe(int64_t bytes, int64_t at_us) {
  if (!samples_.empty() && (bytes < samples_.back().bytes || at_us < samples_.back().at_us)) {
    samples_.clear();
  }
  samples_.push_back({bytes, at_us});
  while (static_cast<int>(samples_.size()) > std::max(2, window_)) samples_.pop_front();
}

double DeliveryRate::kbps(int64_t min_span_us) const {
  if (samples_.size() < 2) return 0.0;
  const int64_t span_us = samples_.back().at_us - samples_.front().at_us;
  if (span_us < std::max<int64_t>(1, min_span_us)) return 0.0;
  // bytes * 8 bits / span_us us = bits per us = 1000 kbit/s.
  return static_cast<double>(samples_.back().bytes - samples_.front().bytes) * 8.0 * 1000.0 /
         static_cast<double>(span_us);
}

}  // namespace tandem::edge
