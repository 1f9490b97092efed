#ifndef TANDEM_COMMON_MODEL_TOKENIZER_DECODER_H_
#define TANDEM_COMMON_MODEL_TOKENIZER_DECODER_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/model/tokenizer/json_util.h"

namespace tandem::model::tokenizer {

// A tokenizer.json "decoder": turns token strings back into text. As in
// Hugging Face, each decoder maps the list of token strings to a new list
// (DecodeChain) and the final text is their concatenation.
// Implementations are immutable and thread-safe.
class Decoder {
 public:
  virtual ~Decoder() = default;
  // Errors only from regex matching.
  virtual absl::StatusOr<std::vector<std::string>> DecodeChain(
      std::vector<std::string> tokens) const = 0;
  // True if this decoder (or one in its Sequence) is ByteFallback, which
  // turns runs of <0xXX> tokens into text only once the run has ended.
  virtual bool HasByteFallback() const { return false; }
  // True if the text of tokens t[i:] decoded after t[:i] is the same
  // whether or not t[:i] is decoded with them, once t[:i] ends in a
  // complete character: i.e. only the very first token is treated
  // specially. False for Strip with start > 1 or stop > 0, whose cuts can
  // reach across token boundaries.
  virtual bool IsLocal() const { return true; }
};

// Builds the decoder described by `config` (null gives nullptr). Supported
// types: Sequence, ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace,
// BPEDecoder. Unimplemented naming the type for others (WordPiece, CTC);
// InvalidArgument naming `where` for malformed configs.
absl::StatusOr<std::unique_ptr<Decoder>> ParseDecoder(const Json& config, absl::string_view where);

// If `token` is a byte-fallback token "<0xXX>" (two hex digits), its byte.
std::optional<unsigned char> ParseByteFallbackToken(std::string_view token);

}  // namespace tandem::model::tokenizer

#endif  // TANDEM_COMMON_MODEL_TOKENIZER_DECODER_H_
