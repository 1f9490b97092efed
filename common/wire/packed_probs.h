#ifndef TANDEM_COMMON_WIRE_PACKED_PROBS_H_
#define TANDEM_COMMON_WIRE_PACKED_PROBS_H_

// Probability lists on the wire (tandem.v1.PackedProbs). Three encodings,
// all little-endian, then zstd-compressed when that pays (CompressionPolicy):
//   PROB_FIXED16  2 bytes/value: uint16 (m - 1) for an integer mass m in
//                 [1, 65536] on the 2^-16 grid (probability m / 65536).
//                 Exact: both sides use the identical integers.
//   PROB_FLOAT32  4 bytes/value: IEEE binary32, bit-exact.
//   PROB_FLOAT16  2 bytes/value: IEEE binary16, round to nearest even
//                 (relative error <= 2^-11 above 2^-14, absolute <= 2^-25
//                 below); see float16.h.
// Decoders check everything a peer controls; encoders ABSL_CHECK their
// caller's invariants (ranges), which are programming errors if violated.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "common/wire/zstd_codec.h"
#include "proto/tandem/v1/tandem.pb.h"

namespace tandem::wire {

// The largest FIXED16 mass: probability 1.
inline constexpr uint32_t kFixed16MaxMass = 65536;

// masses: [n], each in [1, kFixed16MaxMass] (ABSL_CHECK). Overwrites *out.
void EncodeFixed16(absl::Span<const uint32_t> masses, const CompressionPolicy& policy,
                   tandem::v1::PackedProbs* out);

// probs: [n], each in [0, 1] (not checked here; DecodeFloats rejects
// others). Overwrites *out.
void EncodeFloat32(absl::Span<const float> probs, const CompressionPolicy& policy,
                   tandem::v1::PackedProbs* out);

// probs: [n], each in [0, 1]; rounded to binary16 (a value in [0, 1] stays
// in [0, 1]). Overwrites *out.
void EncodeFloat16(absl::Span<const float> probs, const CompressionPolicy& policy,
                   tandem::v1::PackedProbs* out);

// Decodes PROB_FIXED16 masses: [expected_count], each in [1, 65536].
// InvalidArgument when: the encoding is not PROB_FIXED16 (names expected
// and got); count != expected_count; the compression is unknown or the zstd
// frame is bad or exceeds 2 * expected_count bytes; the byte count is odd
// or is not 2 * count.
absl::StatusOr<std::vector<uint32_t>> DecodeFixed16(const tandem::v1::PackedProbs& packed,
                                                    size_t expected_count);

// Decodes PROB_FLOAT32 or PROB_FLOAT16 probabilities: [expected_count],
// each in [0, 1] (-0 reads as +0). InvalidArgument when: the encoding is
// another one (names expected and got); count != expected_count; the
// compression or zstd frame is bad or too large; the byte count is not
// count * width; a value is NaN, negative, or above 1 (names index and
// value).
absl::StatusOr<std::vector<float>> DecodeFloats(const tandem::v1::PackedProbs& packed,
                                                size_t expected_count);

}  // namespace tandem::wire

#endif  // TANDEM_COMMON_WIRE_PACKED_PROBS_H_
