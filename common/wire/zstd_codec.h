#ifndef TANDEM_COMMON_WIRE_ZSTD_CODEC_H_
#define TANDEM_COMMON_WIRE_ZSTD_CODEC_H_

// zstd for protocol payloads (PackedIds.data, PackedProbs.data): compress
// only where it pays, and decompress a peer's bytes with a hard cap on the
// output so that a hostile or broken frame can neither crash the process nor
// make it allocate more than the caller allowed.
//
// Thread safety: all functions may be called concurrently (each thread keeps
// its own zstd contexts).

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/tandem/v1/tandem.pb.h"

namespace tandem::wire {

// When a payload is zstd-compressed.
struct CompressionPolicy {
  // zstd compression level (1..22; 3 is zstd's default speed/ratio point).
  int level = 3;
  // Inputs shorter than this are never compressed: a zstd frame has ~9 bytes
  // of header and checksum-free trailer, so tiny inputs rarely shrink, and
  // compressing them costs CPU on the latency path.
  size_t min_bytes = 64;
};

// A payload as it goes on the wire.
struct CompressedBytes {
  std::string data;
  tandem::v1::Compression compression = tandem::v1::COMPRESSION_NONE;
};

// Returns `raw` zstd-compressed (COMPRESSION_ZSTD) when raw.size() >=
// policy.min_bytes AND the frame is strictly smaller than `raw`; otherwise
// `raw` unchanged (COMPRESSION_NONE). Frames record their content size, which
// the decoder uses to allocate exactly.
CompressedBytes CompressIfItPays(std::string raw, const CompressionPolicy& policy);

// Decompresses one zstd frame of at most `max_bytes` decompressed bytes.
// Errors (all InvalidArgument, message says which): not a zstd frame;
// corrupt frame; the frame claims or produces more than `max_bytes`.
// Allocates at most max(claimed size, 0) <= max_bytes bytes; when the frame
// omits its size (other encoders may), allocates `max_bytes`.
absl::StatusOr<std::string> ZstdDecompress(absl::string_view frame, size_t max_bytes);

// The raw payload behind `data` as received: `data` itself for
// COMPRESSION_NONE (the view aliases `data`; its size is checked against
// `max_bytes` too), otherwise ZstdDecompress(data, max_bytes) stored in
// *storage (the view aliases *storage). An unknown compression value is
// InvalidArgument.
absl::StatusOr<absl::string_view> RawPayload(absl::string_view data,
                                             tandem::v1::Compression compression, size_t max_bytes,
                                             std::string* storage);

}  // namespace tandem::wire

#endif  // TANDEM_COMMON_WIRE_ZSTD_CODEC_H_
