#ifndef TANDEM_COMMON_WIRE_PACKED_IDS_H_
#define TANDEM_COMMON_WIRE_PACKED_IDS_H_

// Token id lists on the wire (tandem.v1.PackedIds): each id as an unsigned
// LEB128 varint (7 bits per byte, low group first, high bit = "more"),
// concatenated, then zstd-compressed when that pays (CompressionPolicy).
// An id < 128 takes 1 byte, < 16384 2 bytes, < 2^21 3 bytes: a 32k-151k
// vocabulary costs 3 bytes per id before compression.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "common/wire/zstd_codec.h"
#include "proto/tandem/v1/tandem.pb.h"

namespace tandem::wire {

// The longest varint of a 32-bit id: ceil(32 / 7) = 5 bytes.
inline constexpr size_t kMaxVarintBytes = 5;

// Fills *out (all of data, count, compression; other fields are overwritten
// too, since PackedIds has no others). ids: [n_ids], each >= 0 (a negative
// id is a programming error: ABSL_CHECK).
void EncodeIds(absl::Span<const int32_t> ids, const CompressionPolicy& policy,
               tandem::v1::PackedIds* out);

// Decodes a peer's PackedIds: [count] ids, each in [0, vocab_size).
// InvalidArgument, naming the offending value, when: count > max_count;
// the compression is unknown, the zstd frame is bad or larger than
// 5 * count bytes; a varint is truncated or longer than 5 bytes; the data
// holds fewer or more ids than `count`; an id is >= vocab_size.
// Non-minimal varints (e.g. 0x80 0x00 for 0) are accepted, like protobuf.
// Never allocates more than O(min(count, max_count)) bytes.
absl::StatusOr<std::vector<int32_t>> DecodeIds(const tandem::v1::PackedIds& packed,
                                               int32_t vocab_size, size_t max_count);

}  // namespace tandem::wire

#endif  // TANDEM_COMMON_WIRE_PACKED_IDS_H_
