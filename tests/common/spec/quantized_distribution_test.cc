#include "common/spec/quantized_distribution.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

#include "catch2/catch.hpp"

namespace tandem::spec {
namespace {

uint64_t Total(const std::vector<uint32_t>& masses) {
  return std::accumulate(masses.begin(), masses.end(), uint64_t{0});
}

TEST_CASE("QuantizeFixed16: a one-hot distribution gets all 65536 units", "[spec]") {
  CHECK(QuantizeFixed16(std::vector<float>{0, 0, 1, 0}) == std::vector<uint32_t>{0, 0, 65536, 0});
}

TEST_CASE("QuantizeFixed16: uniform over 3 gives the spare unit to the lowest id", "[spec]") {
  // 65536 / 3 = 21845.33 each; floors sum to 65535; the one missing unit
  // goes to the largest remainder, all equal, so to id 0.
  const float third = 1.0f / 3.0f;
  CHECK(QuantizeFixed16(std::vector<float>{third, third, third}) ==
        std::vector<uint32_t>{21846, 21845, 21845});
  // Zeros in between keep 0 and do not change who wins the tie.
  CHECK(QuantizeFixed16(std::vector<float>{0, third, 0, third, third}) ==
        std::vector<uint32_t>{0, 21846, 0, 21845, 21845});
}

TEST_CASE("QuantizeFixed16: the largest remainder wins before the lower id", "[spec]") {
  // (0.25, 0.375, 0.375) is exact: 16384, 24576, 24576, no rounding needed.
  CHECK(QuantizeFixed16(std::vector<float>{0.25f, 0.375f, 0.375f}) ==
        std::vector<uint32_t>{16384, 24576, 24576});
  // (0.1, 0.2, 0.7) * 65536 = 6553.6, 13107.2, 45875.2: floors 6553 + 13107
  // + 45875 = 65535; the largest remainder (.6, id 0) takes the unit.
  CHECK(QuantizeFixed16(std::vector<float>{0.1f, 0.2f, 0.7f}) ==
        std::vector<uint32_t>{6554, 13107, 45875});
  // Reversed: the largest remainder is now id 2, a higher id.
  CHECK(QuantizeFixed16(std::vector<float>{0.7f, 0.2f, 0.1f}) ==
        std::vector<uint32_t>{45875, 13107, 6554});
}

TEST_CASE("QuantizeFixed16: probabilities summing to 0.999 are renormalised", "[spec]") {
  // 0.5 / 0.999 * 65536 = 32800.80, 0.499 / 0.999 * 65536 = 32735.20:
  // floors 32800 + 32735 = 65535; the unit goes to id 0 (remainder .80).
  const std::vector<uint32_t> m = QuantizeFixed16(std::vector<float>{0.5f, 0.499f});
  CHECK(m == std::vector<uint32_t>{32801, 32735});
  // One token with 0.999 alone still gets everything.
  CHECK(QuantizeFixed16(std::vector<float>{0, 0.999f}) == std::vector<uint32_t>{0, 65536});
}

TEST_CASE("QuantizeFixed16: many tiny probabilities still sum to exactly 65536", "[spec]") {
  // 100000 tokens of 1e-5 each: 0.65536 units each, all floors 0, all
  // remainders equal, so the 65536 lowest ids get one unit, the rest 0.
  const std::vector<float> tiny(100000, 1e-5f);
  const std::vector<uint32_t> m = QuantizeFixed16(tiny);
  CHECK(Total(m) == 65536);
  CHECK(m[0] == 1);
  CHECK(m[65535] == 1);
  CHECK(m[65536] == 0);
  CHECK(m[99999] == 0);

  // A mixture: one big token of 0.995 (65208.32 units) and 5000 tiny ones of
  // 1e-6 (0.0655 units each, 327.68 in all). Floors: 65208 and 0s; 328 units
  // are missing. The big token's remainder .32 is the largest (65209); the
  // other 327 go to the 327 lowest-id tiny tokens (equal remainders .0655).
  std::vector<float> mixed(5001, 1e-6f);
  mixed[1234] = 1.0f - 5000 * 1e-6f;
  const std::vector<uint32_t> mm = QuantizeFixed16(mixed);
  CHECK(Total(mm) == 65536);
  CHECK(mm[1234] == 65209);
  CHECK(std::count(mm.begin(), mm.end(), 1u) == 327);
  CHECK(mm[326] == 1);
  CHECK(mm[327] == 0);
}

TEST_CASE(
    "QuantizeFixed16: awkward random inputs always sum to 65536 and repeat "
    "exactly",
    "[spec]") {
  // A fixed-seed LCG makes vocabularies of 1..3000 tokens with a quarter of
  // zeros and a spread of magnitudes.
  uint64_t state = 12345;
  const auto next = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11) * 0x1.0p-53;
  };
  for (int trial = 0; trial < 50; ++trial) {
    const size_t n = 1 + static_cast<size_t>(next() * 3000);
    std::vector<float> probs(n);
    double sum = 0.0;
    for (float& x : probs) {
      x = next() < 0.25 ? 0.0f : static_cast<float>(std::pow(next(), 6.0));
      sum += x;
    }
    if (sum == 0.0) probs[0] = 1.0f;
    const std::vector<uint32_t> m = QuantizeFixed16(probs);
    REQUIRE(Total(m) == 65536);
    for (size_t i = 0; i < n; ++i) {
      if (probs[i] == 0.0f) REQUIRE(m[i] == 0);
    }
    REQUIRE(QuantizeFixed16(probs) == m);
  }
}

TEST_CASE("SampleFixed16: r = floor(u * 65536) picks by cumulative mass", "[spec]") {
  // Masses (1, 0, 65535): r = 0 -> id 0; r in [1, 65535] -> id 2; id 1 never.
  const std::vector<uint32_t> m = {1, 0, 65535};
  CHECK(SampleFixed16(m, 0.0) == 0);
  // r = 0:
  CHECK(SampleFixed16(m, 0.5 / 65536) == 0);
  CHECK(SampleFixed16(m, std::nextafter(1.0 / 65536, 0.0)) == 0);
  // r = 1: cumsums are 1, 1, 65536; the first with 1 < cumsum is id 2.
  CHECK(SampleFixed16(m, 1.0 / 65536) == 2);
  CHECK(SampleFixed16(m, std::nextafter(1.0, 0.0)) == 2);  // r = 65535
}

TEST_CASE("SampleFixed16: never returns a trailing zero-mass id", "[spec]") {
  const std::vector<uint32_t> m = {32768, 32768, 0, 0};
  CHECK(SampleFixed16(m, 0.49999) == 0);
  CHECK(SampleFixed16(m, 0.5) == 1);  // r = 32768
  CHECK(SampleFixed16(m, std::nextafter(1.0, 0.0)) == 1);
}

TEST_CASE("SparsifyFixed16: keeps the top-k, renormalised, by decreasing mass", "[spec]") {
  // Top 2 of (0.1, 0.4, 0.2, 0.3) are ids 1 (0.4) and 3 (0.3); renormalised
  // 0.4/0.7 * 65536 = 37449.14 and 0.3/0.7 * 65536 = 28086.86: floors
  // 37449 + 28086 = 65535; the unit goes to id 3 (remainder .86).
  const SparseDistribution q = SparsifyFixed16(std::vector<float>{0.1f, 0.4f, 0.2f, 0.3f}, 2);
  CHECK(q.ids == std::vector<int32_t>{1, 3});
  CHECK(q.masses == std::vector<uint32_t>{37449, 28087});
  CHECK(q.MassOf(1) == 37449);
  CHECK(q.MassOf(3) == 28087);
  CHECK(q.MassOf(0) == 0);
  CHECK(q.MassOf(2) == 0);
}

TEST_CASE(
    "SparsifyFixed16: ties at the cut keep the lower id; k <= 0 keeps the "
    "support",
    "[spec]") {
  // Four tokens of 0.25 (ids 0, 1, 3, 4) tie for 2 slots: the lower ids 0
  // and 1 win, renormalised to 0.5 each -> 32768.
  const std::vector<float> probs = {0.25f, 0.25f, 0.0f, 0.25f, 0.25f};
  const SparseDistribution q2 = SparsifyFixed16(probs, 2);
  CHECK(q2.ids == std::vector<int32_t>{0, 1});
  CHECK(q2.masses == std::vector<uint32_t>{32768, 32768});
  // Whole support: the zero at id 2 is not part of it.
  const SparseDistribution all = SparsifyFixed16(probs, 0);
  CHECK(all.ids == std::vector<int32_t>{0, 1, 3, 4});
  CHECK(all.masses == std::vector<uint32_t>{16384, 16384, 16384, 16384});
  // k larger than the support is the whole support.
  CHECK(SparsifyFixed16(probs, 100).ids == all.ids);
}

TEST_CASE("SparsifyFixed16: entries that round to zero mass are dropped", "[spec]") {
  // 1e-6 of 65536 units is 0.066: floor 0 and no spare unit (the big token
  // takes 65535.93 -> floor 65535, remainder .93 beats .066).
  const SparseDistribution q = SparsifyFixed16(std::vector<float>{1e-6f, 1.0f - 1e-6f}, 0);
  CHECK(q.ids == std::vector<int32_t>{1});
  CHECK(q.masses == std::vector<uint32_t>{65536});
}

TEST_CASE("SampleSparse: inverse CDF in the stored order", "[spec]") {
  // ids (1, 3) with masses (37449, 28087): r < 37449 -> 1, else 3.
  const SparseDistribution q = SparsifyFixed16(std::vector<float>{0.1f, 0.4f, 0.2f, 0.3f}, 2);
  CHECK(SampleSparse(q, 0.0) == 1);
  CHECK(SampleSparse(q, 37448.5 / 65536) == 1);
  CHECK(SampleSparse(q, 37449.0 / 65536) == 3);
  CHECK(SampleSparse(q, std::nextafter(1.0, 0.0)) == 3);
}

}  // namespace
}  // namespace tandem::spec
