#ifndef TANDEM_COMMON_MODEL_TOKENIZER_PRE_TOKENIZER_H_
#define TANDEM_COMMON_MODEL_TOKENIZER_PRE_TOKENIZER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/model/tokenizer/json_util.h"

namespace tandem::model::tokenizer {

// One piece of the input on its way to the model: either an added token,
// already resolved to its id, or (normalized) text still to be split and
// tokenized.
struct PreToken {
  std::string text;
  std::optional<int32_t> added_id;  // set: an added token, left untouched
  // The piece begins at byte 0 of the original input (Metaspace's
  // prepend_scheme "first" prepends only there).
  bool at_input_start = false;
};

// A tokenizer.json "pre_tokenizer": splits text pieces into words (and may
// rewrite them, e.g. ByteLevel maps bytes to printable characters).
// Implementations are immutable and thread-safe.
class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Splits every piece of `pieces` without added_id in place, keeping their
  // order; pieces that end up empty are dropped. Errors only from regex
  // matching.
  virtual absl::Status PreTokenize(std::vector<PreToken>* pieces) const = 0;
};

// Builds the pre-tokenizer described by `config` (null gives nullptr).
// Supported types: Sequence, Split (String or Regex pattern, all five
// behaviors, invert), ByteLevel, Metaspace, Digits, Punctuation, Whitespace,
// WhitespaceSplit, CharDelimiterSplit. Unimplemented naming the type for
// others; InvalidArgument naming `where` for malformed configs.
absl::StatusOr<std::unique_ptr<PreTokenizer>> ParsePreTokenizer(const Json& config,
                                                                absl::string_view where);

// The regex ByteLevel splits with when use_regex is true (GPT-2's).
inline constexpr char kGpt2SplitRegex[] =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+"
    "|\\s+(?!\\S)|\\s+";

}  // namespace tandem::model::tokenizer

#endif  // TANDEM_COMMON_MODEL_TOKENIZER_PRE_TOKENIZER_H_
