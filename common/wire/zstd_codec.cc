#include "common/wire/zstd_codec.h"

#include <zstd.h>
#include <zstd_errors.h>

#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/base/logging.h"
#include "common/base/status_macros.h"

namespace tandem::wire {
namespace {

struct CCtxDeleter {
  void operator()(ZSTD_CCtx* ctx) const { ZSTD_freeCCtx(ctx); }
};
struct DCtxDeleter {
  void operator()(ZSTD_DCtx* ctx) const { ZSTD_freeDCtx(ctx); }
};

// One context per thread: creating a context costs a ~100 KiB allocation,
// too much per message, and contexts must not be shared between threads.
ZSTD_CCtx* ThreadCCtx() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxDeleter> ctx(ZSTD_createCCtx());
  ABSL_CHECK(ctx != nullptr) << "ZSTD_createCCtx failed (out of memory)";
  return ctx.get();
}

ZSTD_DCtx* ThreadDCtx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxDeleter> ctx(ZSTD_createDCtx());
  ABSL_CHECK(ctx != nullptr) << "ZSTD_createDCtx failed (out of memory)";
  return ctx.get();
}

}  // namespace

CompressedBytes CompressIfItPays(std::string raw, const CompressionPolicy& policy) {
  CompressedBytes out;
  if (!raw.empty() && raw.size() >= policy.min_bytes) {
    std::string frame(ZSTD_compressBound(raw.size()), '\0');
    // One-shot compression writes the content size into the frame header,
    // which lets the decoder allocate exactly.
    const size_t n = ZSTD_compressCCtx(ThreadCCtx(), frame.data(), frame.size(), raw.data(),
                                       raw.size(), policy.level);
    // Compressing into ZSTD_compressBound bytes only fails on allocation
    // failure; then sending the raw bytes is still correct.
    if (!ZSTD_isError(n) && n < raw.size()) {
      frame.resize(n);
      out.data = std::move(frame);
      out.compression = tandem::v1::COMPRESSION_ZSTD;
      return out;
    }
  }
  out.data = std::move(raw);
  out.compression = tandem::v1::COMPRESSION_NONE;
  return out;
}

absl::StatusOr<std::string> ZstdDecompress(absl::string_view frame, size_t max_bytes) {
  const unsigned long long claimed = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (claimed == ZSTD_CONTENTSIZE_ERROR) {
    return absl::InvalidArgumentError(
        absl::StrCat("payload marked COMPRESSION_ZSTD is not a zstd frame (", frame.size(),
                     " bytes); the peer's encoder is broken"));
  }
  size_t capacity = max_bytes;
  if (claimed != ZSTD_CONTENTSIZE_UNKNOWN) {
    if (claimed > max_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "zstd frame claims ", claimed, " decompressed bytes, more than the limit of ", max_bytes,
          " for this field; refusing to decompress it"));
    }
    capacity = static_cast<size_t>(claimed);
  }
  // Single-pass decompression writes straight into `out` and never needs a
  // window buffer, so `capacity` bounds the memory a peer can make us use.
  std::string out(capacity, '\0');
  const size_t n =
      ZSTD_decompressDCtx(ThreadDCtx(), out.data(), out.size(), frame.data(), frame.size());
  if (ZSTD_isError(n)) {
    if (ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall) {
      return absl::InvalidArgumentError(
          absl::StrCat("zstd payload decompresses to more than ",
                       claimed == ZSTD_CONTENTSIZE_UNKNOWN ? "the limit of " : "its claimed ",
                       capacity, " bytes; refusing it"));
    }
    return absl::InvalidArgumentError(
        absl::StrCat("corrupt zstd frame (", frame.size(), " bytes): ", ZSTD_getErrorName(n)));
  }
  if (claimed != ZSTD_CONTENTSIZE_UNKNOWN && n != claimed) {
    return absl::InvalidArgumentError(
        absl::StrCat("zstd payload claims ", claimed, " decompressed bytes but holds ", n));
  }
  out.resize(n);
  return out;
}

absl::StatusOr<absl::string_view> RawPayload(absl::string_view data,
                                             tandem::v1::Compression compression, size_t max_bytes,
                                             std::string* storage) {
  switch (compression) {
    case tandem::v1::COMPRESSION_NONE:
      if (data.size() > max_bytes) {
        return absl::InvalidArgumentError(absl::StrCat("payload of ", data.size(),
                                                       " bytes exceeds the limit of ", max_bytes,
                                                       " for this field"));
      }
      return data;
    case tandem::v1::COMPRESSION_ZSTD: {
      TANDEM_ASSIGN_OR_RETURN(*storage, ZstdDecompress(data, max_bytes));
      return absl::string_view(*storage);
    }
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("unknown compression ", static_cast<int>(compression),
                       "; this build knows COMPRESSION_NONE (0) and COMPRESSION_ZSTD (1)"));
  }
}

}  // namespace tandem::wire
