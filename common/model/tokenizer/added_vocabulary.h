#ifndef TANDEM_COMMON_MODEL_TOKENIZER_ADDED_VOCABULARY_H_
#define TANDEM_COMMON_MODEL_TOKENIZER_ADDED_VOCABULARY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/model/tokenizer/json_util.h"
#include "common/model/tokenizer/normalizer.h"
#include "common/model/tokenizer/pre_tokenizer.h"

namespace tandem::model::tokenizer {

// One entry of tokenizer.json's "added_tokens".
struct AddedToken {
  int32_t id = 0;
  std::string content;
  bool single_word = false;  // match only when not inside a word
  bool lstrip = false;       // also swallow whitespace on the left
  bool rstrip = false;       // also swallow whitespace on the right
  bool normalized = true;    // match in normalized text (else in raw text)
  bool special = false;      // skipped by Decode(skip_special_tokens)
};

// Parses "added_tokens" (null or missing: none). InvalidArgument naming
// `where` if malformed.
absl::StatusOr<std::vector<AddedToken>> ParseAddedTokens(const Json& config,
                                                         absl::string_view where);

// Finds added tokens in input text before the rest of the pipeline runs, as
// Hugging Face's AddedVocabulary: tokens with normalized=false are matched
// in the raw text first, then each stretch between them is normalized and
// searched for the normalized=true tokens (whose patterns are their
// normalized content). Matching is leftmost-longest and non-overlapping;
// single_word, lstrip and rstrip are applied to each match. Immutable,
// thread-safe.
class AddedVocabulary {
 public:
  // `normalizer` (may be null) normalizes the patterns of normalized tokens;
  // pass the same one to Split.
  static absl::StatusOr<std::unique_ptr<AddedVocabulary>> Create(std::vector<AddedToken> tokens,
                                                                 const Normalizer* normalizer);

  // Splits `text` (valid UTF-8) into added-token pieces (added_id set) and
  // normalized text pieces. Empty text pieces are dropped.
  absl::StatusOr<std::vector<PreToken>> ExtractAndNormalize(std::string_view text,
                                                            const Normalizer* normalizer) const;

  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  class Matcher;  // leftmost-longest multi-pattern search (a byte trie)
  struct Split {
    size_t start;
    size_t end;
    int32_t token_index;  // into tokens_, -1 for text
  };

  AddedVocabulary() = default;
  std::vector<Split> FindSplits(std::string_view text, const Matcher& matcher) const;

  std::vector<AddedToken> tokens_;
  std::shared_ptr<const Matcher> raw_matcher_;
  std::shared_ptr<const Matcher> normalized_matcher_;
};

}  // namespace tandem::model::tokenizer

#endif  // TANDEM_COMMON_MODEL_TOKENIZER_ADDED_VOCABULARY_H_
