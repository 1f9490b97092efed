#include "common/model/tokenizer/decoder.h"

#include <cctype>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "common/base/status_macros.h"
#include "common/model/tokenizer/byte_level.h"
#include "common/model/tokenizer/split_pattern.h"
#include "common/model/tokenizer/utf8.h"

namespace tandem::model::tokenizer {
namespace {

using Tokens = std::vector<std::string>;

class SequenceDecoder : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> steps)
      : steps_(std::move(steps)) {}
  absl::StatusOr<Tokens> DecodeChain(Tokens tokens) const override {
    for (const auto& step : steps_) {
      TANDEM_ASSIGN_OR_RETURN(tokens, step->DecodeChain(std::move(tokens)));
    }
    return tokens;
  }
  bool HasByteFallback() const override {
    for (const auto& step : steps_) {
      if (step->HasByteFallback()) return true;
    }
    return false;
  }
  bool IsLocal() const override {
    for (const auto& step : steps_) {
      if (!step->IsLocal()) return false;
    }
    return true;
  }

 private:
  std::vector<std::unique_ptr<Decoder>> steps_;
};

// Maps GPT-2 characters back to bytes over all tokens, then decodes the
// bytes as UTF-8 lossily. A token with a character outside the map (an
// added token such as "<|endoftext|>" spelled with a space) keeps its own
// bytes.
class ByteLevelDecoder : public Decoder {
 public:
  absl::StatusOr<Tokens> DecodeChain(Tokens tokens) const override {
    std::string bytes;
    for (const std::string& token : tokens) {
      std::optional<std::string> raw = UnicodeToBytes(token);
      bytes += raw.has_value() ? *raw : token;
    }
    return Tokens{Utf8Lossy(bytes)};
  }
};

class ReplaceDecoder : public Decoder {
 public:
  ReplaceDecoder(SplitPattern pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  absl::StatusOr<Tokens> DecodeChain(Tokens tokens) const override {
    for (std::string& token : tokens) {
      TANDEM_ASSIGN_OR_RETURN(token, pattern_.ReplaceAll(token, content_));
    }
    return tokens;
  }

 private:
  SplitPattern pattern_;
  std::string content_;
};

// Joins runs of <0xXX> tokens into their bytes; a run that is not valid
// UTF-8 becomes one U+FFFD per byte token (HF's rule).
class ByteFallbackDecoder : public Decoder {
 public:
  absl::StatusOr<Tokens> DecodeChain(Tokens tokens) const override {
    Tokens out;
    out.reserve(tokens.size());
    std::string run;
    size_t run_tokens = 0;
    const auto flush = [&] {
      if (run_tokens == 0) return;
      if (IsValidUtf8(run)) {
        out.push_back(run);
      } else {
        for (size_t i = 0; i < run_tokens; ++i) {
          out.push_back(EncodeUtf8(kReplacementChar));
        }
      }
      run.clear();
      run_tokens = 0;
    };
    for (std::string& token : tokens) {
      if (std::optional<unsigned char> b = ParseByteFallbackToken(token)) {
        run.push_back(static_cast<char>(*b));
        ++run_tokens;
        continue;
      }
      flush();
      out.push_back(std::move(token));
    }
    flush();
    return out;
  }
  bool HasByteFallback() const override { return true; }
};

class FuseDecoder : public Decoder {
 public:
  absl::StatusOr<Tokens> DecodeChain(Tokens tokens) const override {
    return Tokens{absl::StrJoin(tokens, "")};
  }
};

// Removes up to `start` leading and `stop` trailing copies of `content`
// (one character) from each token.
class StripDecoder : public Decoder {
 public:
  StripDecoder(std::string content, size_t start, size_t stop)
      : content_(std::move(content)), start_(start), stop_(stop) {}
  absl::StatusOr<Tokens> DecodeChain(Tokens tokens) const override {
    const std::string_view c = content_;
    for (std::string& token : tokens) {
      std::string_view view = token;
      for (size_t i = 0; i < start_ && view.substr(0, c.size()) == c; ++i) {
        view.remove_prefix(c.size());
      }
      for (size_t i = 0;
           i < stop_ && view.size() >= c.size() && view.substr(view.size() - c.size()) == c; ++i) {
        view.remove_suffix(c.size());
      }
      token = std::string(view);
    }
    return tokens;
  }
  bool IsLocal() const override { return start_ <= 1 && stop_ == 0; }

 private:
  std::string content_;
  size_t start_;
  size_t stop_;
};

// Replacement characters become spaces, except in the first token, where
// they are dropped unless the prepend scheme is "never".
class MetaspaceDecoder : public Decoder {
 public:
  MetaspaceDecoder(std::string replacement, bool drop_in_first)
      : replacement_(std::move(replacement)), drop_in_first_(drop_in_first) {}
  absl::StatusOr<Tokens> DecodeChain(Tokens tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      const char* space = i == 0 && drop_in_first_ ? "" : " ";
      tokens[i] = absl::StrReplaceAll(tokens[i], {{replacement_, space}});
    }
    return tokens;
  }

 private:
  std::string replacement_;
  bool drop_in_first_;
};

// The end-of-word suffix becomes a space (nothing after the last token).
class BpeSuffixDecoder : public Decoder {
 public:
  explicit BpeSuffixDecoder(std::string suffix) : suffix_(std::move(suffix)) {}
  absl::StatusOr<Tokens> DecodeChain(Tokens tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      const char* space = i + 1 == tokens.size() ? "" : " ";
      tokens[i] = absl::StrReplaceAll(tokens[i], {{suffix_, space}});
    }
    return tokens;
  }

 private:
  std::string suffix_;
};

absl::StatusOr<std::unique_ptr<Decoder>> ParseSequence(const Json& config,
                                                       absl::string_view where) {
  TANDEM_ASSIGN_OR_RETURN(const Json* list, JsonArray(config, "decoders", where));
  std::vector<std::unique_ptr<Decoder>> steps;
  for (size_t i = 0; i < list->size(); ++i) {
    TANDEM_ASSIGN_OR_RETURN(auto step,
                            ParseDecoder((*list)[i], JsonPath(JsonPath(where, "decoders"), i)));
    if (step != nullptr) steps.push_back(std::move(step));
  }
  return std::make_unique<SequenceDecoder>(std::move(steps));
}

absl::StatusOr<std::unique_ptr<Decoder>> ParseReplace(const Json& config, absl::string_view where) {
  if (!config.contains("pattern")) {
    return JsonError(where, "missing field \"pattern\"");
  }
  TANDEM_ASSIGN_OR_RETURN(SplitPattern pattern,
                          SplitPattern::FromJson(config["pattern"], JsonPath(where, "pattern")));
  TANDEM_ASSIGN_OR_RETURN(std::string content, JsonString(config, "content", where));
  return std::make_unique<ReplaceDecoder>(std::move(pattern), std::move(content));
}

absl::StatusOr<std::unique_ptr<Decoder>> ParseStrip(const Json& config, absl::string_view where) {
  TANDEM_ASSIGN_OR_RETURN(std::string content, JsonChar(config, "content", " ", where));
  TANDEM_ASSIGN_OR_RETURN(int64_t start, JsonIntOr(config, "start", 0, where));
  TANDEM_ASSIGN_OR_RETURN(int64_t stop, JsonIntOr(config, "stop", 0, where));
  if (start < 0 || stop < 0) {
    return JsonError(where, "start and stop must be non-negative");
  }
  return std::make_unique<StripDecoder>(std::move(content), static_cast<size_t>(start),
                                        static_cast<size_t>(stop));
}

absl::StatusOr<std::unique_ptr<Decoder>> ParseMetaspace(const Json& config,
                                                        absl::string_view where) {
  TANDEM_ASSIGN_OR_RETURN(std::string replacement,
                          JsonChar(config, "replacement", "\u2581", where));
  TANDEM_ASSIGN_OR_RETURN(std::string scheme,
                          JsonStringOr(config, "prepend_scheme", "always", where));
  TANDEM_ASSIGN_OR_RETURN(bool add_prefix_space,
                          JsonBoolOr(config, "add_prefix_space", true, where));
  const bool drop_in_first = scheme != "never" && add_prefix_space;
  return std::make_unique<MetaspaceDecoder>(std::move(replacement), drop_in_first);
}

}  // namespace

std::optional<unsigned char> ParseByteFallbackToken(std::string_view token) {
  if (token.size() != 6 || token.substr(0, 3) != "<0x" || token[5] != '>') {
    return std::nullopt;
  }
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  const int hi = hex(token[3]);
  const int lo = hex(token[4]);
  if (hi < 0 || lo < 0) return std::nullopt;
  return static_cast<unsigned char>(hi * 16 + lo);
}

absl::StatusOr<std::unique_ptr<Decoder>> ParseDecoder(const Json& config, absl::string_view where) {
  if (config.is_null()) return std::unique_ptr<Decoder>();
  TANDEM_ASSIGN_OR_RETURN(std::string type, JsonType(config, where));
  if (type == "Sequence") return ParseSequence(config, where);
  if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
  if (type == "Replace") return ParseReplace(config, where);
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  if (type == "Fuse") return std::make_unique<FuseDecoder>();
  if (type == "Strip") return ParseStrip(config, where);
  if (type == "Metaspace") return ParseMetaspace(config, where);
  if (type == "BPEDecoder") {
    TANDEM_ASSIGN_OR_RETURN(std::string suffix, JsonStringOr(config, "suffix", "</w>", where));
    return std::make_unique<BpeSuffixDecoder>(std::move(suffix));
  }
  return absl::UnimplementedError(
      absl::StrCat(where, ": decoder type \"", type,
                   "\" is not supported (supported: Sequence, ByteLevel, Replace, "
                   "ByteFallback, Fuse, Strip, Metaspace, BPEDecoder)"));
}

}  // namespace tandem::model::tokenizer
