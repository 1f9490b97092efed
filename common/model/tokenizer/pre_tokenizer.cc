#include "common/model/tokenizer/pre_tokenizer.h"

#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/base/status_macros.h"
#include "common/model/tokenizer/byte_level.h"
#include "common/model/tokenizer/split_pattern.h"

namespace tandem::model::tokenizer {
namespace {

using SplitFn = absl::FunctionRef<absl::Status(const PreToken& piece, std::vector<PreToken>* out)>;

// Replaces each text piece by what `split` makes of it; added tokens pass
// through. Drops empty results, as HF's PreTokenizedString::split does.
absl::Status SplitEach(std::vector<PreToken>* pieces, SplitFn split) {
  std::vector<PreToken> result;
  result.reserve(pieces->size());
  std::vector<PreToken> parts;
  for (PreToken& piece : *pieces) {
    if (piece.added_id.has_value()) {
      result.push_back(std::move(piece));
      continue;
    }
    parts.clear();
    TANDEM_RETURN_IF_ERROR(split(piece, &parts));
    for (PreToken& part : parts) {
      if (!part.text.empty()) result.push_back(std::move(part));
    }
  }
  *pieces = std::move(result);
  return absl::OkStatus();
}

// Cuts `piece` at `ranges` (byte ranges into piece.text).
void AppendSlices(const PreToken& piece, const std::vector<ByteRange>& ranges,
                  std::vector<PreToken>* out) {
  for (const ByteRange& r : ranges) {
    if (r.first == r.second) continue;
    PreToken part;
    part.text = piece.text.substr(r.first, r.second - r.first);
    part.at_input_start = piece.at_input_start && r.first == 0;
    out->push_back(std::move(part));
  }
}

absl::Status SplitPiece(const PreToken& piece, const SplitPattern& pattern, SplitBehavior behavior,
                        bool invert, std::vector<PreToken>* out) {
  TANDEM_ASSIGN_OR_RETURN(std::vector<PatternPiece> found, pattern.FindPieces(piece.text));
  AppendSlices(piece, ApplySplitBehavior(std::move(found), behavior, invert), out);
  return absl::OkStatus();
}

class SequencePreTokenizer : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> steps)
      : steps_(std::move(steps)) {}
  absl::Status PreTokenize(std::vector<PreToken>* pieces) const override {
    for (const auto& step : steps_) {
      TANDEM_RETURN_IF_ERROR(step->PreTokenize(pieces));
    }
    return absl::OkStatus();
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

// Split, Digits, Punctuation, Whitespace, WhitespaceSplit and
// CharDelimiterSplit: a pattern and what to do with its matches.
class PatternPreTokenizer : public PreTokenizer {
 public:
  PatternPreTokenizer(SplitPattern pattern, SplitBehavior behavior, bool invert)
      : pattern_(std::move(pattern)), behavior_(behavior), invert_(invert) {}
  absl::Status PreTokenize(std::vector<PreToken>* pieces) const override {
    return SplitEach(pieces, [this](const PreToken& piece, std::vector<PreToken>* out) {
      return SplitPiece(piece, pattern_, behavior_, invert_, out);
    });
  }

 private:
  SplitPattern pattern_;
  SplitBehavior behavior_;
  bool invert_;
};

// Optionally adds a leading space, optionally splits with the GPT-2 regex,
// then spells every byte as its GPT-2 character.
class ByteLevelPreTokenizer : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, std::optional<SplitPattern> regex)
      : add_prefix_space_(add_prefix_space), regex_(std::move(regex)) {}
  absl::Status PreTokenize(std::vector<PreToken>* pieces) const override {
    return SplitEach(pieces, [this](const PreToken& piece, std::vector<PreToken>* out) {
      PreToken spaced = piece;
      if (add_prefix_space_ && (spaced.text.empty() || spaced.text[0] != ' ')) {
        spaced.text.insert(0, " ");
      }
      const size_t first = out->size();
      if (regex_.has_value()) {
        TANDEM_RETURN_IF_ERROR(SplitPiece(spaced, *regex_, SplitBehavior::kIsolated,
                                          /*invert=*/false, out));
      } else {
        out->push_back(std::move(spaced));
      }
      for (size_t i = first; i < out->size(); ++i) {
        (*out)[i].text = BytesToUnicode((*out)[i].text);
      }
      return absl::OkStatus();
    });
  }

 private:
  bool add_prefix_space_;
  std::optional<SplitPattern> regex_;
};

enum class PrependScheme { kAlways, kFirst, kNever };

// SentencePiece-style: spaces become `replacement`, which is prepended per
// the scheme and then starts each word.
class MetaspacePreTokenizer : public PreTokenizer {
 public:
  MetaspacePreTokenizer(std::string replacement, PrependScheme scheme, bool split)
      : replacement_(std::move(replacement)),
        scheme_(scheme),
        split_(split),
        pattern_(SplitPattern::Literal(replacement_)) {}
  absl::Status PreTokenize(std::vector<PreToken>* pieces) const override {
    return SplitEach(pieces, [this](const PreToken& piece, std::vector<PreToken>* out) {
      PreToken replaced = piece;
      replaced.text = absl::StrReplaceAll(piece.text, {{" ", replacement_}});
      const bool starts_with_replacement =
          replaced.text.compare(0, replacement_.size(), replacement_) == 0;
      const bool prepend =
          !starts_with_replacement && (scheme_ == PrependScheme::kAlways ||
                                       (scheme_ == PrependScheme::kFirst && piece.at_input_start));
      if (prepend) replaced.text.insert(0, replacement_);
      if (!split_) {
        out->push_back(std::move(replaced));
        return absl::OkStatus();
      }
      return SplitPiece(replaced, pattern_, SplitBehavior::kMergedWithNext,
                        /*invert=*/false, out);
    });
  }

 private:
  std::string replacement_;
  PrependScheme scheme_;
  bool split_;
  SplitPattern pattern_;
};

absl::StatusOr<std::unique_ptr<PreTokenizer>> MakePatternPreTokenizer(std::string_view regex,
                                                                      SplitBehavior behavior,
                                                                      bool invert) {
  TANDEM_ASSIGN_OR_RETURN(SplitPattern pattern, SplitPattern::FromRegex(regex));
  return std::make_unique<PatternPreTokenizer>(std::move(pattern), behavior, invert);
}

absl::StatusOr<std::unique_ptr<PreTokenizer>> ParseSequence(const Json& config,
                                                            absl::string_view where) {
  TANDEM_ASSIGN_OR_RETURN(const Json* list, JsonArray(config, "pretokenizers", where));
  std::vector<std::unique_ptr<PreTokenizer>> steps;
  for (size_t i = 0; i < list->size(); ++i) {
    TANDEM_ASSIGN_OR_RETURN(
        auto step, ParsePreTokenizer((*list)[i], JsonPath(JsonPath(where, "pretokenizers"), i)));
    if (step != nullptr) steps.push_back(std::move(step));
  }
  return std::make_unique<SequencePreTokenizer>(std::move(steps));
}

absl::StatusOr<std::unique_ptr<PreTokenizer>> ParseSplit(const Json& config,
                                                         absl::string_view where) {
  if (!config.contains("pattern")) {
    return JsonError(where, "missing field \"pattern\"");
  }
  TANDEM_ASSIGN_OR_RETURN(SplitPattern pattern,
                          SplitPattern::FromJson(config["pattern"], JsonPath(where, "pattern")));
  TANDEM_ASSIGN_OR_RETURN(std::string behavior_name, JsonString(config, "behavior", where));
  TANDEM_ASSIGN_OR_RETURN(SplitBehavior behavior,
                          ParseSplitBehavior(behavior_name, JsonPath(where, "behavior")));
  TANDEM_ASSIGN_OR_RETURN(bool invert, JsonBoolOr(config, "invert", false, where));
  return std::make_unique<PatternPreTokenizer>(std::move(pattern), behavior, invert);
}

absl::StatusOr<std::unique_ptr<PreTokenizer>> ParseByteLevel(const Json& config,
                                                             absl::string_view where) {
  TANDEM_ASSIGN_OR_RETURN(bool add_prefix_space,
                          JsonBoolOr(config, "add_prefix_space", true, where));
  TANDEM_ASSIGN_OR_RETURN(bool use_regex, JsonBoolOr(config, "use_regex", true, where));
  std::optional<SplitPattern> regex;
  if (use_regex) {
    TANDEM_ASSIGN_OR_RETURN(regex, SplitPattern::FromRegex(kGpt2SplitRegex));
  }
  return std::make_unique<ByteLevelPreTokenizer>(add_prefix_space, std::move(regex));
}

absl::StatusOr<std::unique_ptr<PreTokenizer>> ParseMetaspace(const Json& config,
                                                             absl::string_view where) {
  TANDEM_ASSIGN_OR_RETURN(std::string replacement,
                          JsonChar(config, "replacement", "\u2581", where));
  TANDEM_ASSIGN_OR_RETURN(std::string scheme_name,
                          JsonStringOr(config, "prepend_scheme", "always", where));
  PrependScheme scheme;
  if (scheme_name == "always") {
    scheme = PrependScheme::kAlways;
  } else if (scheme_name == "first") {
    scheme = PrependScheme::kFirst;
  } else if (scheme_name == "never") {
    scheme = PrependScheme::kNever;
  } else {
    return JsonError(
        JsonPath(where, "prepend_scheme"),
        absl::StrCat("unknown value \"", scheme_name, "\" (expected always, first or never)"));
  }
  // Older files only have add_prefix_space; false there means "never".
  TANDEM_ASSIGN_OR_RETURN(bool add_prefix_space,
                          JsonBoolOr(config, "add_prefix_space", true, where));
  if (!add_prefix_space) scheme = PrependScheme::kNever;
  TANDEM_ASSIGN_OR_RETURN(bool split, JsonBoolOr(config, "split", true, where));
  return std::make_unique<MetaspacePreTokenizer>(std::move(replacement), scheme, split);
}

absl::StatusOr<std::unique_ptr<PreTokenizer>> ParseCharDelimiterSplit(const Json& config,
                                                                      absl::string_view where) {
  TANDEM_ASSIGN_OR_RETURN(std::string delimiter, JsonChar(config, "delimiter", "", where));
  return std::make_unique<PatternPreTokenizer>(SplitPattern::Literal(std::move(delimiter)),
                                               SplitBehavior::kRemoved,
                                               /*invert=*/false);
}

}  // namespace

absl::StatusOr<std::unique_ptr<PreTokenizer>> ParsePreTokenizer(const Json& config,
                                                                absl::string_view where) {
  if (config.is_null()) return std::unique_ptr<PreTokenizer>();
  TANDEM_ASSIGN_OR_RETURN(std::string type, JsonType(config, where));
  if (type == "Sequence") return ParseSequence(config, where);
  if (type == "Split") return ParseSplit(config, where);
  if (type == "ByteLevel") return ParseByteLevel(config, where);
  if (type == "Metaspace") return ParseMetaspace(config, where);
  if (type == "CharDelimiterSplit") {
    return ParseCharDelimiterSplit(config, where);
  }
  if (type == "Digits") {
    // Rust's char::is_numeric is the N categories; each digit is a match.
    TANDEM_ASSIGN_OR_RETURN(bool individual, JsonBoolOr(config, "individual_digits", false, where));
    return MakePatternPreTokenizer(
        "\\p{N}", individual ? SplitBehavior::kIsolated : SplitBehavior::kContiguous,
        /*invert=*/false);
  }
  if (type == "Punctuation") {
    TANDEM_ASSIGN_OR_RETURN(std::string behavior_name,
                            JsonStringOr(config, "behavior", "Isolated", where));
    TANDEM_ASSIGN_OR_RETURN(SplitBehavior behavior,
                            ParseSplitBehavior(behavior_name, JsonPath(where, "behavior")));
    // Unicode punctuation plus ASCII punctuation (which includes symbols
    // such as $+<=>^`|~), as HF's is_punc.
    return MakePatternPreTokenizer("[\\p{P}!-/:-@\\[-`{-~]", behavior,
                                   /*invert=*/false);
  }
  if (type == "Whitespace") {
    // Keep words and runs of other non-space characters, drop the rest.
    return MakePatternPreTokenizer("\\w+|[^\\w\\s]+", SplitBehavior::kRemoved,
                                   /*invert=*/true);
  }
  if (type == "WhitespaceSplit") {
    return MakePatternPreTokenizer("\\s", SplitBehavior::kRemoved,
                                   /*invert=*/false);
  }
  return absl::UnimplementedError(
      absl::StrCat(where, ": pre-tokenizer type \"", type,
                   "\" is not supported (supported: Sequence, Split, ByteLevel, Metaspace, "
                   "Digits, Punctuation, Whitespace, WhitespaceSplit, "
                   "CharDelimiterSplit)"));
}

}  // namespace tandem::model::tokenizer
