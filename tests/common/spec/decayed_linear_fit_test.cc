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

TEST_CASE("DecayedLinearFit: a slope prior sets the slope where x does not vary", "[spec][fit]") {
  // Every sample at x = 4: without a prior the line is flat at their mean;
  // with one, the prior sets the slope and the samples the level.
  DecayedLinearFit flat(0.8, 1.0);
  DecayedLinearFit with_prior(0.8, 1.0);
  with_prior.SetSlopePrior(0.5, 4.0);
  for (int i = 0; i < 20; ++i) {
    flat.Add(4, 5.0);
    with_prior.Add(4, 5.0);
  }
  CHECK(flat.slope() == 0.0);
  CHECK(flat(8) == Approx(5.0));
  CHECK(with_prior.slope() == Approx(0.5));
  CHECK(with_prior(4) == Approx(5.0));
  CHECK(with_prior(8) == Approx(7.0));
}

TEST_CASE("DecayedLinearFit: samples spread well beyond the prior's variance outweigh it",
          "[spec][fit]") {
  // x from 1 to 16 (variance ~21) against a prior worth a variance of 1:
  // the fitted slope lands near the samples' 2, not the prior's 0.
  DecayedLinearFit fit(0.8, 1.0);
  fit.SetSlopePrior(0.0, 1.0);
  for (int i = 0; i < 40; ++i) fit.Add(1 + (i * 5) % 16, 10 + 2.0 * (1 + (i * 5) % 16));
  CHECK(fit.slope() > 1.8);
  CHECK(fit.slope() < 2.0);
}

TEST_CASE("DecayedLinearFit: a prior before any sample gives the slope, no level", "[spec][fit]") {
  DecayedLinearFit fit(0.8, 1.0);
  fit.SetSlopePrior(0.3, 4.0);
  CHECK(fit.empty());
  CHECK(fit.slope() == Approx(0.3));
  CHECK(fit.intercept() == 0.0);
}

}  // namespace
}  // namespace tandem::spec
