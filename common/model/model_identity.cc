#include "common/model/model_identity.h"

#include <algorithm>

namespace tandem::model {

TokenizerIdentity IdentityOf(const Tokenizer& tokenizer) {
  TokenizerIdentity identity;
  identity.vocab_size = tokenizer.vocab_size();
  identity.token_text_hash = tokenizer.Fingerprint();
  identity.bos_id = tokenizer.bos_id().value_or(-1);
  identity.eos_id = tokenizer.eos_id().value_or(-1);
  return identity;
}

std::vector<int32_t> StopTokenIds(const ModelConfig& config, const GenerationConfig& generation,
                                  const Tokenizer& tokenizer) {
  std::vector<int32_t> ids = config.eos_token_ids;
  ids.insert(ids.end(), generation.eos_token_ids.begin(), generation.eos_token_ids.end());
  if (tokenizer.eos_id()) ids.push_back(*tokenizer.eos_id());
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

}  // namespace tandem::model
