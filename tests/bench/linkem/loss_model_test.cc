#include "bench/linkem/loss_model.h"

#include <random>

#include "catch2/catch.hpp"

namespace tandem::linkem {
namespace {

TEST_CASE("GilbertElliott: hand-picked uniforms drive the two states", "[linkem]") {
  DirectionProfile d;
  d.loss = 0.1;        // good state
  d.burst_p = 0.2;     // good -> bad
  d.burst_r = 0.5;     // bad -> good
  d.burst_loss = 0.9;  // bad state
  GilbertElliott model;
  // Good: u_loss 0.05 < 0.1 -> lost; u_transition 0.3 >= 0.2 -> stays good.
  CHECK(model.NextSegmentLost(d, 0.05, 0.3));
  CHECK_FALSE(model.in_bad_state());
  // Good: 0.5 >= 0.1 -> delivered; 0.1 < 0.2 -> moves to bad.
  CHECK_FALSE(model.NextSegmentLost(d, 0.5, 0.1));
  CHECK(model.in_bad_state());
  // Bad: 0.5 < 0.9 -> lost; 0.7 >= 0.5 -> stays bad.
  CHECK(model.NextSegmentLost(d, 0.5, 0.7));
  CHECK(model.in_bad_state());
  // Bad: 0.95 >= 0.9 -> delivered; 0.4 < 0.5 -> back to good.
  CHECK_FALSE(model.NextSegmentLost(d, 0.95, 0.4));
  CHECK_FALSE(model.in_bad_state());
}

TEST_CASE("GilbertElliott: long-run loss and burst length match the chain's stationary values",
          "[linkem]") {
  DirectionProfile d;
  d.burst_p = 0.01;
  d.burst_r = 0.25;
  d.burst_loss = 1.0;  // every bad-state segment lost, none in the good state
  GilbertElliott model;
  std::mt19937_64 rng(42);
  auto uniform = [&rng] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  constexpr int kSegments = 1000000;
  int64_t lost = 0, bursts = 0;
  bool previous_lost = false;
  for (int i = 0; i < kSegments; ++i) {
    const double u_loss = uniform();
    const bool is_lost = model.NextSegmentLost(d, u_loss, uniform());
    lost += is_lost;
    bursts += is_lost && !previous_lost;
    previous_lost = is_lost;
  }
  // Expected loss fraction pi_bad = p / (p + r) = 0.01 / 0.26 = 0.038462; mean burst
  // 1 / r = 4 segments. Losses are correlated (lag-1 correlation 1 - p - r = 0.74), so
  // the standard error of the fraction is sqrt(pi (1 - pi) (1 + 0.74) / (1 - 0.74) / n)
  // = 5.0e-4, 1.3% relative; 5% relative is about 4 standard errors, so a correct chain
  // fails this with a fixed seed never and a wrong p, r or burst_loss fails it.
  CHECK(static_cast<double>(lost) / kSegments == Approx(0.038462).epsilon(0.05));
  CHECK(static_cast<double>(lost) / bursts == Approx(4.0).epsilon(0.05));
}

}  // namespace
}  // namespace tandem::linkem
