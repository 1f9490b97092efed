#ifndef TANDEM_COMMON_MODEL_TOKENIZER_NORMALIZER_H_
#define TANDEM_COMMON_MODEL_TOKENIZER_NORMALIZER_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/model/tokenizer/json_util.h"

namespace tandem::model::tokenizer {

// A tokenizer.json "normalizer": rewrites text before pre-tokenization.
// Hugging Face applies it to each stretch of input between added tokens
// separately. Implementations are immutable and thread-safe.
class Normalizer {
 public:
  virtual ~Normalizer() = default;
  // `text` is valid UTF-8 and stays so. Errors only from regex matching.
  virtual absl::Status Normalize(std::string* text) const = 0;
};

// Builds the normalizer described by `config` (the value of
// tokenizer.json's "normalizer"; null gives nullptr). Supported types:
// Sequence, NFC, NFD, Prepend, Replace (String or Regex pattern), Lowercase,
// Strip. Unimplemented naming the type for the others (NFKC, NFKD,
// BertNormalizer, StripAccents, Precompiled, ...); InvalidArgument naming
// `where` for malformed configs.
absl::StatusOr<std::unique_ptr<Normalizer>> ParseNormalizer(const Json& config,
                                                            absl::string_view where);

}  // namespace tandem::model::tokenizer

#endif  // TANDEM_COMMON_MODEL_TOKENIZER_NORMALIZER_H_
