// DeliveryRate: a link's delivery rate over a window of byte-count samples.

#include "edge/delivery_rate.h"

#include "catch2/catch.hpp"

namespace tandem::edge {
namespace {

using Catch::Matchers::WithinRel;

TEST_CASE("DeliveryRate: bytes over time across the window", "[edge][delivery_rate]") {
  DeliveryRate rate(4);
  CHECK(rate.kbps() == 0.0);  // no samples
  rate.Observe(1000, 0);
  CHECK(rate.kbps() == 0.0);  // one sample spans nothing
  // 3000 bytes a second = 24 kbit/s.
  for (int i = 1; i <= 3; ++i) rate.Observe(1000 + 3000 * i, 1000000 * i);
  CHECK_THAT(rate.kbps(), WithinRel(24.0, 1e-9));
  // The window keeps the last 4 samples: a faster second half shows alone.
  for (int i = 4; i <= 6; ++i) rate.Observe(10000 + 6000 * (i - 3), 1000000 * i);
  CHECK_THAT(rate.kbps(), WithinRel(48.0, 1e-9));
}

TEST_CASE("DeliveryRate: a window shorter than the least span says nothing",
          "[edge][delivery_rate]") {
  DeliveryRate rate(8);
  // Two messages read from one segment, 20 us apart: not a rate.
  rate.Observe(0, 1000000);
  rate.Observe(5000, 1000020);
  CHECK(rate.kbps(/*min_span_us=*/1000) == 0.0);
  rate.Observe(6000, 1500000);
  CHECK_THAT(rate.kbps(1000), WithinRel(6000 * 8.0 * 1000 / 500000, 1e-9));
}

TEST_CASE("DeliveryRate: a counter or clock that goes back starts over", "[edge][delivery_rate]") {
  DeliveryRate rate(8);
  rate.Observe(100000, 0);
  rate.Observe(200000, 1000000);
  rate.Observe(50, 2000000);  // a new stream's counter
  CHECK(rate.kbps() == 0.0);
  rate.Observe(1050, 3000000);
  CHECK_THAT(rate.kbps(), WithinRel(8.0, 1e-9));
}

}  // namespace
}  // namespace tandem::edge
