#include "common/spec/decayed_linear_fit.h"

#include "catch2/catch.hpp"

namespace tandem::spec {
namespace {

TEST_CASE("DecayedLinearFit: recovers a line from samples spread in x", "[spec][fit]") {
  DecayedLinearFit fit(/*decay=*/0.8, /*min_x_variance=*/1.0);
  CHECK(fit.empty());
  for (int i = 0; i < 20; ++i) fit.Add(1 + i % 8, 60 + 3.0 * (1 + i % 8));
  CHECK(fit.slope() == Approx(3.0));
  CHECK(fit.intercept() == Approx(60.0));
  CHECK(fit(5) == Approx(75.0));
}

TEST_CASE("DecayedLinearFit: x that barely varies sets no slope", "[spec][fit]") {
  // Two noisy samples at 4 and 5 would make the slope 10; below the
  // variance floor every sample counts toward the mean instead.
  DecayedLinearFit fit(0.8, 1.0);
  fit.Add(4, 70);
  fit.Add(5, 80);
  CHECK(fit.slope() == 0.0);
  CHECK(fit.intercept() == Approx((0.8 * 70 + 80) / 1.8));
}

TEST_CASE("DecayedLinearFit: follows a relation that changed", "[spec][fit]") {
  // Older samples fade at 0.8 per sample: 30 samples after the change the
  // old line's weight is 0.8^30 ~ 0.1%.
  DecayedLinearFit fit(0.8, 1.0);
  for (int i = 0; i < 30; ++i) fit.Add(1 + i % 4, 100 + 1.0 * (1 + i % 4));
  for (int i = 0; i < 30; ++i) fit.Add(1 + i % 4, 20 + 5.0 * (1 + i % 4));
  CHECK(fit.slope() == Approx(5.0).epsilon(0.01));
  CHECK(fit.intercept() == Approx(20.0).epsilon(0.05));
}

}  // namespace
}  // namespace tandem::spec
