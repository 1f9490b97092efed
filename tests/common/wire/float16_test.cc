#include "common/wire/float16.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "catch2/catch.hpp"

namespace tandem::wire {
namespace {

float FromBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

bool IsHalfNan(uint16_t h) { return (h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0; }

// True when h is the binary16 nearest to x >= 0 (ties to the even bit
// pattern), judged against its two neighbours in exact double arithmetic.
bool IsNearestHalf(float x, uint16_t h) {
  const double target = x;
  const double err = std::fabs(HalfBitsToFloat(h) - target);
  for (int delta : {-1, +1}) {
    const int neighbour = static_cast<int>(h) + delta;
    if (neighbour < 0 || neighbour > 0x7BFF) continue;  // finite positives only
    const double other = std::fabs(HalfBitsToFloat(static_cast<uint16_t>(neighbour)) - target);
    if (other < err) return false;
    if (other == err && (h & 1) != 0) return false;  // tie must go to even
  }
  return true;
}

TEST_CASE("Float16: every finite half converts to float and back exactly", "[wire]") {
  int mismatches = 0;
  for (uint32_t h = 0; h <= 0xFFFF; ++h) {
    const uint16_t bits = static_cast<uint16_t>(h);
    if ((bits & 0x7C00) == 0x7C00) continue;  // inf / NaN: below
    if (FloatToHalfBits(HalfBitsToFloat(bits)) != bits) ++mismatches;
  }
  CHECK(mismatches == 0);
}

TEST_CASE("Float16: known values convert to their IEEE bit patterns", "[wire]") {
  CHECK(FloatToHalfBits(0.0f) == 0x0000);
  CHECK(FloatToHalfBits(-0.0f) == 0x8000);
  CHECK(FloatToHalfBits(1.0f) == 0x3C00);
  CHECK(FloatToHalfBits(0.5f) == 0x3800);
  CHECK(FloatToHalfBits(-2.0f) == 0xC000);
  CHECK(FloatToHalfBits(65504.0f) == 0x7BFF);                  // largest finite half
  CHECK(FloatToHalfBits(std::ldexp(1.0f, -14)) == 0x0400);     // smallest normal
  CHECK(FloatToHalfBits(std::ldexp(1.0f, -24)) == 0x0001);     // smallest subnormal
  CHECK(FloatToHalfBits(std::ldexp(1023.0f, -24)) == 0x03FF);  // largest subnormal
  // 0.1 = 1.6 * 2^-4: exponent 11, mantissa round(0.6 * 1024) = 614 = 0x266.
  CHECK(FloatToHalfBits(0.1f) == 0x2E66);

  CHECK(HalfBitsToFloat(0x3C00) == 1.0f);
  CHECK(HalfBitsToFloat(0x0000) == 0.0f);
  CHECK(std::signbit(HalfBitsToFloat(0x8000)));
  CHECK(HalfBitsToFloat(0x0001) == std::ldexp(1.0f, -24));
  CHECK(HalfBitsToFloat(0x03FF) == std::ldexp(1023.0f, -24));
  CHECK(HalfBitsToFloat(0x0400) == std::ldexp(1.0f, -14));
  CHECK(HalfBitsToFloat(0x7BFF) == 65504.0f);
  CHECK(HalfBitsToFloat(0x3555) == 0.333251953125f);  // 1365 * 2^-12
}

TEST_CASE("Float16: ties round to even", "[wire]") {
  // Between 1 (mantissa 0) and 1 + 2^-10 (mantissa 1): the midpoint
  // 1 + 2^-11 goes to the even mantissa 0.
  CHECK(FloatToHalfBits(1.0f + std::ldexp(1.0f, -11)) == 0x3C00);
  // 1 + 3 * 2^-11 lies between mantissas 1 and 2: goes to 2.
  CHECK(FloatToHalfBits(1.0f + 3 * std::ldexp(1.0f, -11)) == 0x3C02);
  // Just above the midpoint rounds up.
  CHECK(FloatToHalfBits(std::nextafter(1.0f + std::ldexp(1.0f, -11), 2.0f)) == 0x3C01);
  // Subnormal ties: 2^-25 is half of the smallest subnormal -> 0 (even);
  // 3 * 2^-25 = 1.5 units -> 2 units.
  CHECK(FloatToHalfBits(std::ldexp(1.0f, -25)) == 0x0000);
  CHECK(FloatToHalfBits(std::nextafter(std::ldexp(1.0f, -25), 1.0f)) == 0x0001);
  CHECK(FloatToHalfBits(std::ldexp(3.0f, -25)) == 0x0002);
  // Rounding up out of the subnormal range lands on the smallest normal.
  CHECK(FloatToHalfBits(std::ldexp(2047.0f, -25)) == 0x0400);
}

TEST_CASE("Float16: overflow, infinities, NaN and tiny values", "[wire]") {
  const float inf = std::numeric_limits<float>::infinity();
  CHECK(FloatToHalfBits(65519.0f) == 0x7BFF);  // below the 65520 midpoint
  CHECK(FloatToHalfBits(65520.0f) == 0x7C00);  // midpoint, ties to even = 2^16 = inf
  CHECK(FloatToHalfBits(1e6f) == 0x7C00);
  CHECK(FloatToHalfBits(-1e6f) == 0xFC00);
  CHECK(FloatToHalfBits(inf) == 0x7C00);
  CHECK(FloatToHalfBits(-inf) == 0xFC00);
  CHECK(IsHalfNan(FloatToHalfBits(std::numeric_limits<float>::quiet_NaN())));
  CHECK(std::isinf(HalfBitsToFloat(0x7C00)));
  CHECK(std::isnan(HalfBitsToFloat(0x7E00)));
  CHECK(FloatToHalfBits(1e-10f) == 0x0000);
  CHECK(FloatToHalfBits(-1e-10f) == 0x8000);
  CHECK(FloatToHalfBits(std::numeric_limits<float>::denorm_min()) == 0x0000);
}

TEST_CASE("Float16: normal values are the nearest half, within relative error 2^-11", "[wire]") {
  // Every 613th float from 2^-14 up to 65504: ~180k values across all
  // exponents and mantissa patterns.
  const uint32_t lo = 0x38800000u;  // 2^-14
  const uint32_t hi = 0x477FE000u;  // 65504
  const double bound = std::ldexp(1.0, -11);
  int not_nearest = 0;
  int too_far = 0;
  for (uint32_t bits = lo; bits <= hi; bits += 613) {
    const float x = FromBits(bits);
    const uint16_t h = FloatToHalfBits(x);
    if (!IsNearestHalf(x, h)) ++not_nearest;
    if (std::fabs(HalfBitsToFloat(h) - static_cast<double>(x)) > bound * x) ++too_far;
    // Sign symmetry.
    if (FloatToHalfBits(-x) != (h | 0x8000)) ++not_nearest;
  }
  CHECK(not_nearest == 0);
  CHECK(too_far == 0);
}

TEST_CASE("Float16: values below 2^-14 are the nearest subnormal, within 2^-25", "[wire]") {
  const uint32_t hi = 0x38800000u;  // 2^-14
  const double bound = std::ldexp(1.0, -25);
  int not_nearest = 0;
  int too_far = 0;
  for (uint32_t bits = 0; bits < hi; bits += 4999) {
    const float x = FromBits(bits);
    const uint16_t h = FloatToHalfBits(x);
    if (!IsNearestHalf(x, h)) ++not_nearest;
    if (std::fabs(HalfBitsToFloat(h) - static_cast<double>(x)) > bound) ++too_far;
  }
  CHECK(not_nearest == 0);
  CHECK(too_far == 0);
}

}  // namespace
}  // namespace tandem::wire
