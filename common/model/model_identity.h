#ifndef TANDEM_COMMON_MODEL_MODEL_IDENTITY_H_
#define TANDEM_COMMON_MODEL_MODEL_IDENTITY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/model/model_config.h"
#include "common/model/tokenizer/tokenizer.h"

namespace tandem::model {

// What must agree between a draft and a target for speculative decoding:
// the token vocabulary. Two models that share a tokenizer have equal
// identities even if their embedding matrices are padded differently.
struct TokenizerIdentity {
  int32_t vocab_size = 0;        // Tokenizer::vocab_size()
  uint64_t token_text_hash = 0;  // Tokenizer::Fingerprint()
  int32_t bos_id = -1;           // -1 if none
  int32_t eos_id = -1;           // the tokenizer's EOS, -1 if none
};
TokenizerIdentity IdentityOf(const Tokenizer& tokenizer);

// Token ids that end generation for a model: config.json's eos_token_id(s),
// generation_config.json's, and the tokenizer's EOS, deduplicated, sorted.
std::vector<int32_t> StopTokenIds(const ModelConfig& config, const GenerationConfig& generation,
                                  const Tokenizer& tokenizer);

}  // namespace tandem::model

#endif  // TANDEM_COMMON_MODEL_MODEL_IDENTITY_H_
