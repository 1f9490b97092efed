#include "common/spec/categorical.h"

#include <vector>

#include "catch2/catch.hpp"
#include "common/spec/counter_rng.h"

namespace tandem::spec {
namespace {

TEST_CASE("SampleCategorical: inverse CDF picks by cumulative weight", "[spec][sample]") {
  // weights 1, 0, 3 (total 4): u*4 in [0,1) -> 0, [1,4) -> 2; id 1 never.
  const std::vector<float> w = {1.0f, 0.0f, 3.0f};
  CHECK(SampleCategorical(w, 0.0) == 0);
  CHECK(SampleCategorical(w, 0.2499) == 0);
  CHECK(SampleCategorical(w, 0.25) == 2);
  CHECK(SampleCategorical(w, 0.9999999) == 2);
}

TEST_CASE("SampleCategorical: never returns a zero-weight token at the top edge",
          "[spec][sample]") {
  const std::vector<float> w = {0.3f, 0.7f, 0.0f, 0.0f};
  CHECK(SampleCategorical(w, std::nextafter(1.0, 0.0)) == 1);
}

TEST_CASE("SampleCategorical: frequencies match the weights", "[spec][sample]") {
  // 200000 draws from (0.1, 0.2, 0.3, 0.4); the sd of each frequency is at
  // most sqrt(.25/200000) ~ 0.0011, so 0.006 is over 5 sd.
  const std::vector<float> w = {0.1f, 0.2f, 0.3f, 0.4f};
  const CounterRng rng(7);
  std::vector<int> counts(4, 0);
  constexpr int kDraws = 200000;
  for (int i = 0; i < kDraws; ++i) {
    ++counts[SampleCategorical(w, rng.Uniform(i, RngPurpose::kTargetSample))];
  }
  for (int i = 0; i < 4; ++i) {
    CHECK(std::abs(counts[i] / double{kDraws} - w[i]) < 0.006);
  }
}

TEST_CASE("Argmax: first of equal maxima", "[spec][sample]") {
  CHECK(Argmax(std::vector<float>{1, 3, 3, 2}) == 1);
  CHECK(Argmax(std::vector<float>{-5}) == 0);
}

}  // namespace
}  // namespace tandem::spec
