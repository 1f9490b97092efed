#include "common/model/tokenizer/added_vocabulary.h"

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"
#include "common/model/tokenizer/regex.h"
#include "common/model/tokenizer/utf8.h"

namespace tandem::model::tokenizer {

// A byte trie over the patterns; Find returns leftmost-longest,
// non-overlapping matches, as aho-corasick's MatchKind::LeftmostLongest.
class AddedVocabulary::Matcher {
 public:
  struct Match {
    size_t start;
    size_t end;
    int32_t value;
  };

  void Add(std::string_view pattern, int32_t value) {
    if (pattern.empty()) return;
    int32_t node = 0;
    for (char c : pattern) {
      const unsigned char b = static_cast<unsigned char>(c);
      auto it = nodes_[node].children.find(b);
      if (it == nodes_[node].children.end()) {
        nodes_.push_back(Node());
        it = nodes_[node].children.emplace(b, nodes_.size() - 1).first;
      }
      node = it->second;
    }
    if (nodes_[node].value < 0) nodes_[node].value = value;  // first wins
    first_byte_[static_cast<unsigned char>(pattern[0])] = true;
  }

  std::vector<Match> Find(std::string_view text) const {
    std::vector<Match> matches;
    size_t start = 0;
    while (start < text.size()) {
      if (!first_byte_[static_cast<unsigned char>(text[start])]) {
        ++start;
        continue;
      }
      int32_t node = 0;
      Match best{0, 0, -1};
      for (size_t i = start; i < text.size(); ++i) {
        auto it = nodes_[node].children.find(static_cast<unsigned char>(text[i]));
        if (it == nodes_[node].children.end()) break;
        node = it->second;
        if (nodes_[node].value >= 0) best = {start, i + 1, nodes_[node].value};
      }
      if (best.value >= 0) {
        matches.push_back(best);
        start = best.end;
      } else {
        ++start;
      }
    }
    return matches;
  }

 private:
  struct Node {
    std::map<unsigned char, int32_t> children;
    int32_t value = -1;
  };
  std::vector<Node> nodes_ = std::vector<Node>(1);
  std::array<bool, 256> first_byte_{};
};

namespace {

// Rust regex's Unicode \w, which HF's single_word check uses.
bool IsWordChar(std::string_view text, size_t pos) {
  static const Regex* const word = Regex::Compile("\\w").value().release();
  return word->MatchesAt(text, pos);
}

// Byte offset where the character ending at `end` starts.
size_t PreviousCharStart(std::string_view text, size_t end) {
  size_t start = end - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) {
    --start;
  }
  return start;
}

// Start of the run of White_Space characters that ends at `end`.
size_t WhitespaceRunStart(std::string_view text, size_t end) {
  while (end > 0) {
    const size_t start = PreviousCharStart(text, end);
    size_t pos = start;
    if (!IsUnicodeWhiteSpace(DecodeUtf8At(text, &pos))) break;
    end = start;
  }
  return end;
}

// End of the run of White_Space characters that starts at `start`.
size_t WhitespaceRunEnd(std::string_view text, size_t start) {
  while (start < text.size()) {
    size_t pos = start;
    if (!IsUnicodeWhiteSpace(DecodeUtf8At(text, &pos))) break;
    start = pos;
  }
  return start;
}

absl::StatusOr<AddedToken> ParseAddedToken(const Json& entry, absl::string_view where) {
  AddedToken token;
  auto id = entry.find("id");
  if (!entry.is_object() || id == entry.end() || !id->is_number_integer() ||
      id->get<int64_t>() < 0 || id->get<int64_t>() > std::numeric_limits<int32_t>::max()) {
    return JsonError(where, "expected an object with a non-negative \"id\"");
  }
  token.id = id->get<int32_t>();
  TANDEM_ASSIGN_OR_RETURN(token.content, JsonString(entry, "content", where));
  TANDEM_ASSIGN_OR_RETURN(token.single_word, JsonBoolOr(entry, "single_word", false, where));
  TANDEM_ASSIGN_OR_RETURN(token.lstrip, JsonBoolOr(entry, "lstrip", false, where));
  TANDEM_ASSIGN_OR_RETURN(token.rstrip, JsonBoolOr(entry, "rstrip", false, where));
  TANDEM_ASSIGN_OR_RETURN(token.normalized, JsonBoolOr(entry, "normalized", true, where));
  TANDEM_ASSIGN_OR_RETURN(token.special, JsonBoolOr(entry, "special", false, where));
  return token;
}

}  // namespace

absl::StatusOr<std::vector<AddedToken>> ParseAddedTokens(const Json& config,
                                                         absl::string_view where) {
  std::vector<AddedToken> tokens;
  if (config.is_null()) return tokens;
  if (!config.is_array()) return JsonError(where, "expected an array");
  for (size_t i = 0; i < config.size(); ++i) {
    TANDEM_ASSIGN_OR_RETURN(AddedToken token, ParseAddedToken(config[i], JsonPath(where, i)));
    tokens.push_back(std::move(token));
  }
  return tokens;
}

absl::StatusOr<std::unique_ptr<AddedVocabulary>> AddedVocabulary::Create(
    std::vector<AddedToken> tokens, const Normalizer* normalizer) {
  std::unique_ptr<AddedVocabulary> vocab(new AddedVocabulary());
  vocab->tokens_ = std::move(tokens);
  auto raw = std::make_shared<Matcher>();
  auto normalized = std::make_shared<Matcher>();
  // HF registers special tokens before the others; the first pattern added
  // wins when two tokens have the same text.
  for (bool special : {true, false}) {
    for (size_t i = 0; i < vocab->tokens_.size(); ++i) {
      const AddedToken& token = vocab->tokens_[i];
      if (token.special != special) continue;
      if (!token.normalized) {
        raw->Add(token.content, static_cast<int32_t>(i));
        continue;
      }
      std::string pattern = token.content;
      if (normalizer != nullptr) {
        TANDEM_RETURN_IF_ERROR(normalizer->Normalize(&pattern));
      }
      normalized->Add(pattern, static_cast<int32_t>(i));
    }
  }
  vocab->raw_matcher_ = std::move(raw);
  vocab->normalized_matcher_ = std::move(normalized);
  return vocab;
}

std::vector<AddedVocabulary::Split> AddedVocabulary::FindSplits(std::string_view text,
                                                                const Matcher& matcher) const {
  std::vector<Split> splits;
  size_t covered = 0;  // end of the last emitted split
  for (const Matcher::Match& m : matcher.Find(text)) {
    const AddedToken& token = tokens_[m.value];
    size_t start = m.start;
    size_t end = m.end;
    if (token.single_word) {
      const bool word_before = start > 0 && IsWordChar(text, PreviousCharStart(text, start));
      const bool word_after = end < text.size() && IsWordChar(text, end);
      if (word_before || word_after) continue;  // inside a word: not a match
    }
    if (token.lstrip) start = std::max(WhitespaceRunStart(text, start), covered);
    if (token.rstrip) end = WhitespaceRunEnd(text, end);
    if (covered < start) splits.push_back({covered, start, -1});
    splits.push_back({start, end, m.value});
    covered = end;
  }
  if (covered < text.size()) splits.push_back({covered, text.size(), -1});
  return splits;
}

absl::StatusOr<std::vector<PreToken>> AddedVocabulary::ExtractAndNormalize(
    std::string_view text, const Normalizer* normalizer) const {
  std::vector<PreToken> pieces;
  for (const Split& raw : FindSplits(text, *raw_matcher_)) {
    if (raw.token_index >= 0) {
      PreToken piece;
      piece.text = std::string(text.substr(raw.start, raw.end - raw.start));
      piece.added_id = tokens_[raw.token_index].id;
      piece.at_input_start = raw.start == 0;
      pieces.push_back(std::move(piece));
      continue;
    }
    std::string normalized(text.substr(raw.start, raw.end - raw.start));
    if (normalizer != nullptr) {
      TANDEM_RETURN_IF_ERROR(normalizer->Normalize(&normalized));
    }
    for (const Split& split : FindSplits(normalized, *normalized_matcher_)) {
      PreToken piece;
      piece.text = normalized.substr(split.start, split.end - split.start);
      if (split.token_index >= 0) piece.added_id = tokens_[split.token_index].id;
      piece.at_input_start = raw.start == 0 && split.start == 0;
      if (!piece.text.empty()) pieces.push_back(std::move(piece));
    }
  }
  return pieces;
}

}  // namespace tandem::model::tokenizer
