#include "common/wire/float16.h"

#include <cstring>

namespace tandem::wire {
namespace {

uint32_t FloatBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

float BitsFloat(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

// Shifts `value` right by `shift` (1..31) rounding to nearest, ties to even.
uint32_t ShiftRightRoundEven(uint32_t value, int shift) {
  const uint32_t kept = value >> shift;
  const uint32_t rest = value & ((1u << shift) - 1);
  const uint32_t half = 1u << (shift - 1);
  if (rest > half || (rest == half && (kept & 1u) != 0)) return kept + 1;
  return kept;
}

constexpr uint32_t kFloatAbsMask = 0x7FFFFFFFu;
constexpr uint32_t kFloatInf = 0x7F800000u;
// 65520 = 65504 + 2^4, half-way between the largest half (65504) and 2^16;
// ties go to the even neighbour, 2^16, which overflows to infinity.
constexpr uint32_t kFloatHalfOverflow = 0x477FF000u;
// 2^-14, the smallest normal half.
constexpr uint32_t kFloatHalfMinNormal = 0x38800000u;
constexpr uint16_t kHalfInf = 0x7C00u;
constexpr uint16_t kHalfQuietNan = 0x7E00u;

}  // namespace

uint16_t FloatToHalfBits(float value) {
  const uint32_t f = FloatBits(value);
  const uint16_t sign = static_cast<uint16_t>((f >> 16) & 0x8000u);
  const uint32_t abs = f & kFloatAbsMask;

  if (abs >= kFloatInf) {
    if (abs == kFloatInf) return sign | kHalfInf;
    return static_cast<uint16_t>(sign | kHalfQuietNan | ((abs >> 13) & 0x3FFu));
  }
  if (abs >= kFloatHalfOverflow) return sign | kHalfInf;

  const uint32_t exponent = abs >> 23;  // biased by 127
  const uint32_t mantissa = abs & 0x7FFFFFu;
  if (abs >= kFloatHalfMinNormal) {
    // Rebias 127 -> 15 and drop 13 mantissa bits. A round-up that carries
    // out of the mantissa bumps the exponent, which is the right answer
    // (1.11..1 rounds to 2.0); it cannot reach infinity below the overflow
    // threshold handled above.
    const uint32_t rebased = ((exponent - 112) << 23) | mantissa;
    return static_cast<uint16_t>(sign | ShiftRightRoundEven(rebased, 13));
  }

  // Below 2^-14: a half subnormal m * 2^-24, m in [0, 1024] (1024 is the
  // smallest normal, reached by rounding up). A normal float is
  // (2^23 + mantissa) * 2^(exponent - 150) = significand * 2^-24 >> shift
  // with shift = 126 - exponent >= 14. Float subnormals (< 2^-126) and any
  // shift >= 25 are below 2^-25 = half the smallest half subnormal, which
  // rounds to zero (the tie at exactly 2^-25 goes to even, zero).
  if (exponent == 0) return sign;
  const int shift = 126 - static_cast<int>(exponent);
  if (shift >= 25) return sign;
  const uint32_t significand = mantissa | 0x800000u;
  return static_cast<uint16_t>(sign | ShiftRightRoundEven(significand, shift));
}

float HalfBitsToFloat(uint16_t bits) {
  const uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
  const uint32_t exponent = (bits >> 10) & 0x1Fu;
  const uint32_t mantissa = bits & 0x3FFu;

  if (exponent == 0x1F) {  // infinity or NaN: keep the payload
    return BitsFloat(sign | kFloatInf | (mantissa << 13));
  }
  if (exponent != 0) {  // normal: rebias 15 -> 127
    return BitsFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  }
  if (mantissa == 0) return BitsFloat(sign);  // +-0
  // Subnormal m * 2^-24: normalize so the leading 1 sits at bit 10, then it
  // is a normal float with exponent -14 - (number of shifts).
  uint32_t m = mantissa;
  int e = -14;
  while ((m & 0x400u) == 0) {
    m <<= 1;
    --e;
  }
  return BitsFloat(sign | (static_cast<uint32_t>(e + 127) << 23) | ((m & 0x3FFu) << 13));
}

}  // namespace tandem::wire
