#include "common/model/tokenizer/incremental_detokenizer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace tandem::model {
namespace {

// U+FFFD as UTF-8: what a trailing incomplete character decodes to.
constexpr absl::string_view kReplacement = "\xEF\xBF\xBD";

}  // namespace

IncrementalDetokenizer::IncrementalDetokenizer(const Tokenizer& tokenizer, bool skip_special_tokens)
    : tokenizer_(tokenizer), skip_special_tokens_(skip_special_tokens) {}

std::string IncrementalDetokenizer::DecodeRange(size_t begin, size_t end) const {
  // Every id in ids_ is in range, so Decode cannot fail.
  return tokenizer_
      .Decode(absl::MakeConstSpan(ids_).subspan(begin, end - begin), skip_special_tokens_)
      .value_or(std::string());
}

std::string IncrementalDetokenizer::Push(int32_t id) {
  if (id < 0 || id >= tokenizer_.vocab_size()) return std::string();
  ids_.push_back(id);
  // A byte-fallback run decodes as a whole once it ends; any later byte can
  // still turn it into U+FFFDs. Tokens Decode drops (skipped specials,
  // unused ids) do not end a run.
  const bool dropped =
      (skip_special_tokens_ && tokenizer_.IsSpecial(id)) || tokenizer_.IdToToken(id).empty();
  if (!dropped) in_byte_run_ = tokenizer_.IsByteFallbackPiece(id);
  if (in_byte_run_) return std::string();
  const std::string prefix_text = DecodeRange(0, read_offset_);
  const std::string new_text = DecodeRange(0, ids_.size());
  if (new_text.size() <= prefix_text.size() || absl::EndsWith(new_text, kReplacement) ||
      !absl::StartsWith(new_text, prefix_text)) {
    return std::string();
  }
  // The ids just emitted become the context (prefix) for the next ones. A
  // non-local decoder keeps the whole stream as context instead.
  if (tokenizer_.HasLocalDecoder()) {
    ids_.erase(ids_.begin(), ids_.begin() + read_offset_);
  }
  read_offset_ = ids_.size();
  return new_text.substr(prefix_text.size());
}

std::string IncrementalDetokenizer::Flush() {
  const std::string prefix_text = DecodeRange(0, read_offset_);
  const std::string new_text = DecodeRange(0, ids_.size());
  ids_.clear();
  read_offset_ = 0;
  in_byte_run_ = false;
  if (absl::StartsWith(new_text, prefix_text)) {
    return new_text.substr(prefix_text.size());
  }
  // Not reached with the supported decoders: their output for a window
  // always extends the output for its prefix (see the class comment).
  return new_text.substr(std::min(prefix_text.size(), new_text.size()));
}

}  // namespace tandem::model
