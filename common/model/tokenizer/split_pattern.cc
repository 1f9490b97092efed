#include "common/model/tokenizer/split_pattern.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace tandem::model::tokenizer {

absl::StatusOr<SplitPattern> SplitPattern::FromJson(const Json& pattern, absl::string_view where) {
  if (pattern.is_object() && pattern.size() == 1) {
    const auto it = pattern.begin();
    const std::string& kind = it.key();
    const Json& value = it.value();
    if (value.is_string() && kind == "String") {
      return Literal(value.get<std::string>());
    }
    if (value.is_string() && kind == "Regex") {
      auto result = FromRegex(value.get<std::string>());
      if (!result.ok()) return JsonError(where, result.status().message());
      return result;
    }
  }
  return JsonError(where, absl::StrCat("expected {\"String\": ...} or "
                                       "{\"Regex\": ...}, got ",
                                       pattern.dump()));
}

SplitPattern SplitPattern::Literal(std::string text) {
  SplitPattern pattern;
  pattern.literal_ = std::move(text);
  return pattern;
}

absl::StatusOr<SplitPattern> SplitPattern::FromRegex(std::string_view regex) {
  auto compiled = Regex::Compile(regex);
  if (!compiled.ok()) return compiled.status();
  SplitPattern pattern;
  pattern.regex_ = std::move(compiled).value();
  return pattern;
}

absl::StatusOr<std::vector<ByteRange>> SplitPattern::FindAll(std::string_view text) const {
  if (regex_ != nullptr) return regex_->FindAll(text);
  std::vector<ByteRange> matches;
  if (literal_.empty()) return matches;  // HF: an empty pattern never matches
  size_t pos = text.find(literal_);
  while (pos != std::string_view::npos) {
    matches.emplace_back(pos, pos + literal_.size());
    pos = text.find(literal_, pos + literal_.size());
  }
  return matches;
}

absl::StatusOr<std::vector<PatternPiece>> SplitPattern::FindPieces(std::string_view text) const {
  std::vector<PatternPiece> pieces;
  if (text.empty()) {
    pieces.push_back({{0, 0}, false});
    return pieces;
  }
  auto matches = FindAll(text);
  if (!matches.ok()) return matches.status();
  size_t prev = 0;
  for (const ByteRange& m : *matches) {
    if (prev != m.first) pieces.push_back({{prev, m.first}, false});
    pieces.push_back({m, true});
    prev = m.second;
  }
  if (prev != text.size()) pieces.push_back({{prev, text.size()}, false});
  return pieces;
}

absl::StatusOr<std::string> SplitPattern::ReplaceAll(std::string_view text,
                                                     std::string_view content) const {
  auto matches = FindAll(text);
  if (!matches.ok()) return matches.status();
  std::string out;
  out.reserve(text.size());
  size_t prev = 0;
  for (const ByteRange& m : *matches) {
    out.append(text.substr(prev, m.first - prev));
    out.append(content);
    prev = m.second;
  }
  out.append(text.substr(prev));
  return out;
}

absl::StatusOr<SplitBehavior> ParseSplitBehavior(absl::string_view name, absl::string_view where) {
  if (name == "Removed") return SplitBehavior::kRemoved;
  if (name == "Isolated") return SplitBehavior::kIsolated;
  if (name == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (name == "Contiguous") return SplitBehavior::kContiguous;
  return JsonError(where, absl::StrCat("unknown split behavior \"", name,
                                       "\" (expected Removed, Isolated, "
                                       "MergedWithPrevious, MergedWithNext or "
                                       "Contiguous)"));
}

std::vector<ByteRange> ApplySplitBehavior(std::vector<PatternPiece> pieces, SplitBehavior behavior,
                                          bool invert) {
  if (invert) {
    for (PatternPiece& p : pieces) p.is_match = !p.is_match;
  }
  std::vector<ByteRange> out;
  out.reserve(pieces.size());
  bool previous_match = false;
  switch (behavior) {
    case SplitBehavior::kIsolated:
      for (const PatternPiece& p : pieces) out.push_back(p.range);
      break;
    case SplitBehavior::kRemoved:
      for (const PatternPiece& p : pieces) {
        if (!p.is_match) out.push_back(p.range);
      }
      break;
    case SplitBehavior::kContiguous:
      for (const PatternPiece& p : pieces) {
        if (p.is_match == previous_match && !out.empty()) {
          out.back().second = p.range.second;
        } else {
          out.push_back(p.range);
        }
        previous_match = p.is_match;
      }
      break;
    case SplitBehavior::kMergedWithPrevious:
      for (const PatternPiece& p : pieces) {
        if (p.is_match && !previous_match && !out.empty()) {
          out.back().second = p.range.second;
        } else {
          out.push_back(p.range);
        }
        previous_match = p.is_match;
      }
      break;
    case SplitBehavior::kMergedWithNext:
      // Walk backwards so a delimiter can join the piece after it.
      for (auto it = pieces.rbegin(); it != pieces.rend(); ++it) {
        if (it->is_match && !previous_match && !out.empty()) {
          out.back().first = it->range.first;
        } else {
          out.push_back(it->range);
        }
        previous_match = it->is_match;
      }
      std::reverse(out.begin(), out.end());
      break;
  }
  return out;
}

}  // namespace tandem::model::tokenizer
