#ifndef TANDEM_COMMON_WIRE_FLOAT16_H_
#define TANDEM_COMMON_WIRE_FLOAT16_H_

// IEEE 754 binary16 ("half") <-> float conversion in portable integer code:
// no F16C, no _Float16, identical results on every machine.
//
// binary16: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits.
// Normal numbers cover [2^-14, 65504] with relative spacing 2^-10, so
// rounding to nearest has relative error <= 2^-11; subnormals are multiples
// of 2^-24 below 2^-14 (absolute error <= 2^-25).

#include <cstdint>

namespace tandem::wire {

// Rounds `value` to the nearest binary16, ties to even. Magnitudes >= 65520
// become +-infinity; infinities stay infinities; NaN becomes a quiet NaN
// (0x7E00 | sign | top mantissa bits). Exact for every binary16 value.
uint16_t FloatToHalfBits(float value);

// Exact: every binary16 value (subnormals included) is a float.
float HalfBitsToFloat(uint16_t bits);

}  // namespace tandem::wire

#endif  // TANDEM_COMMON_WIRE_FLOAT16_H_
