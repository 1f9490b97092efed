#ifndef TANDEM_COMMON_MODEL_TOKENIZER_SPLIT_PATTERN_H_
#define TANDEM_COMMON_MODEL_TOKENIZER_SPLIT_PATTERN_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/model/tokenizer/json_util.h"
#include "common/model/tokenizer/regex.h"

namespace tandem::model::tokenizer {

// One piece of a string as Hugging Face's Pattern::find_matches reports it:
// the pieces tile the string, alternating matches and the gaps between them.
struct PatternPiece {
  ByteRange range;
  bool is_match = false;
};

// The {"String": s} or {"Regex": r} pattern of Split, Replace (normalizer
// and decoder). A String pattern matches its text literally. Immutable,
// thread-safe.
class SplitPattern {
 public:
  // `where` names the JSON location for errors.
  static absl::StatusOr<SplitPattern> FromJson(const Json& pattern, absl::string_view where);
  static SplitPattern Literal(std::string text);
  static absl::StatusOr<SplitPattern> FromRegex(std::string_view regex);

  // Non-overlapping leftmost matches in `text` (valid UTF-8).
  absl::StatusOr<std::vector<ByteRange>> FindAll(std::string_view text) const;

  // The matches and the gaps between them, covering all of `text` (a single
  // non-match piece {0,0} for empty text), as HF's find_matches.
  absl::StatusOr<std::vector<PatternPiece>> FindPieces(std::string_view text) const;

  // Replaces every match by `content`.
  absl::StatusOr<std::string> ReplaceAll(std::string_view text, std::string_view content) const;

 private:
  std::string literal_;
  std::shared_ptr<const Regex> regex_;  // null for a literal pattern
};

// What Split does with the delimiters it finds (HF SplitDelimiterBehavior).
enum class SplitBehavior {
  kRemoved,             // drop them
  kIsolated,            // each is its own piece
  kMergedWithPrevious,  // appended to the piece before
  kMergedWithNext,      // prepended to the piece after
  kContiguous,          // runs of adjacent delimiters form one piece
};

// Parses "Removed", "Isolated", ...; InvalidArgument naming `where`.
absl::StatusOr<SplitBehavior> ParseSplitBehavior(absl::string_view name, absl::string_view where);

// Applies `behavior` to `pieces` (from FindPieces; `invert` swaps which
// pieces are delimiters) and returns the ranges to keep, in order. Ranges
// may be empty; callers drop empty pieces.
std::vector<ByteRange> ApplySplitBehavior(std::vector<PatternPiece> pieces, SplitBehavior behavior,
                                          bool invert);

}  // namespace tandem::model::tokenizer

#endif  // TANDEM_COMMON_MODEL_TOKENIZER_SPLIT_PATTERN_H_
