#ifndef TANDEM_COMMON_WIRE_MESSAGE_CODEC_H_
#define TANDEM_COMMON_WIRE_MESSAGE_CODEC_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "common/wire/messages.h"
#include "common/wire/zstd_codec.h"
#include "proto/tandem/v1/tandem.pb.h"

namespace tandem::wire {

// Draft <-> DraftChunk. The encoder sends what the mode needs: ids only when
// greedy; q~(x) per drafted token (FIXED16) in exact/topk mode; the sparse q^
// in sparse-draft mode.
void EncodeDraft(const DraftChunk& chunk, tandem::v1::VerificationMode mode, bool greedy,
                 const CompressionPolicy& policy, tandem::v1::Draft* out);

// Decodes and validates a Draft from the peer: ids < vocab_size, at most
// max_tokens of them, n_prefix <= count, the probability fields the mode
// needs with one entry per drafted token, masses in range, sparse supports
// of distinct ids summing to 65536, a branch with one prefix token and at
// least one drafted token. InvalidArgument names what is wrong.
absl::StatusOr<DraftChunk> DecodeDraft(const tandem::v1::Draft& draft, int32_t vocab_size,
                                       size_t max_tokens, tandem::v1::VerificationMode mode,
                                       bool greedy);

void EncodeVerdict(const ChunkVerdict& verdict, const CompressionPolicy& policy,
                   tandem::v1::Verdict* out);

// Receipts a verdict may carry (the cloud keeps at most this many pending).
inline constexpr size_t kMaxReceipts = 64;

// Validates a Verdict from the cloud: ids < vocab_size, at most max_items
// candidates/top-K entries, probabilities in [0, 1], a dense p of exactly
// vocab_size entries when present, at most kMaxReceipts receipts with their
// three lists of equal length.
absl::StatusOr<ChunkVerdict> DecodeVerdict(const tandem::v1::Verdict& verdict, int32_t vocab_size,
                                           size_t max_items);

}  // namespace tandem::wire

#endif  // TANDEM_COMMON_WIRE_MESSAGE_CODEC_H_
