#ifndef TANDEM_COMMON_MODEL_TOKENIZER_REGEX_H_
#define TANDEM_COMMON_MODEL_TOKENIZER_REGEX_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

struct pcre2_real_code_8;

namespace tandem::model::tokenizer {

// [start, end) byte range into a UTF-8 string.
using ByteRange = std::pair<size_t, size_t>;

// A compiled regular expression with the semantics Hugging Face tokenizers
// get from Oniguruma, implemented with PCRE2 (UTF + UCP mode, JIT when
// available). Patterns are translated where the two dialects differ:
//   \s, \S  -> \p{White_Space}, \P{White_Space} (PCRE2's \s also matches
//              U+180E),
//   \w, \W  -> [\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}] and its
//              negation (Oniguruma's Unicode word class; inside a bracket
//              class only \w is translated),
//   \uHHHH  -> \x{HHHH}.
// Immutable after Compile; FindAll is safe to call from several threads.
class Regex {
 public:
  // InvalidArgument naming the pattern and PCRE2's message if it does not
  // compile.
  static absl::StatusOr<std::unique_ptr<Regex>> Compile(std::string_view pattern);

  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // All non-overlapping leftmost matches in `text` (valid UTF-8), in order,
  // as Oniguruma's find_iter yields them: an empty match right where the
  // previous match ended is skipped by advancing one character. Internal if
  // PCRE2 fails (e.g. its backtracking limits are hit).
  absl::StatusOr<std::vector<ByteRange>> FindAll(std::string_view text) const;

  // True if the regex matches at byte `pos` of `text` (anchored there).
  bool MatchesAt(std::string_view text, size_t pos) const;

  const std::string& pattern() const { return pattern_; }

 private:
  Regex(std::string pattern, pcre2_real_code_8* code, bool jit);

  std::string pattern_;
  pcre2_real_code_8* code_;
  bool jit_;
};

// Translates an Oniguruma-dialect pattern to PCRE2 as described above.
// Exposed for tests.
std::string TranslateOnigurumaPattern(std::string_view pattern);

}  // namespace tandem::model::tokenizer

#endif  // TANDEM_COMMON_MODEL_TOKENIZER_REGEX_H_
