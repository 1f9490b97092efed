#include "common/model/tokenizer/normalizer.h"

#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"
#include "common/model/tokenizer/split_pattern.h"
#include "common/model/tokenizer/unicode.h"
#include "common/model/tokenizer/utf8.h"

namespace tandem::model::tokenizer {
namespace {

class SequenceNormalizer : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> steps)
      : steps_(std::move(steps)) {}
  absl::Status Normalize(std::string* text) const override {
    for (const auto& step : steps_) TANDEM_RETURN_IF_ERROR(step->Normalize(text));
    return absl::OkStatus();
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

class NfcNormalizer : public Normalizer {
 public:
  absl::Status Normalize(std::string* text) const override {
    *text = Nfc(*text);
    return absl::OkStatus();
  }
};

class NfdNormalizer : public Normalizer {
 public:
  absl::Status Normalize(std::string* text) const override {
    *text = Nfd(*text);
    return absl::OkStatus();
  }
};

class LowercaseNormalizer : public Normalizer {
 public:
  absl::Status Normalize(std::string* text) const override {
    *text = Lowercase(*text);
    return absl::OkStatus();
  }
};

// Prepends `prefix` to non-empty text.
class PrependNormalizer : public Normalizer {
 public:
  explicit PrependNormalizer(std::string prefix) : prefix_(std::move(prefix)) {}
  absl::Status Normalize(std::string* text) const override {
    if (!text->empty()) text->insert(0, prefix_);
    return absl::OkStatus();
  }

 private:
  std::string prefix_;
};

class ReplaceNormalizer : public Normalizer {
 public:
  ReplaceNormalizer(SplitPattern pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  absl::Status Normalize(std::string* text) const override {
    TANDEM_ASSIGN_OR_RETURN(*text, pattern_.ReplaceAll(*text, content_));
    return absl::OkStatus();
  }

 private:
  SplitPattern pattern_;
  std::string content_;
};

// Removes leading and/or trailing White_Space characters.
class StripNormalizer : public Normalizer {
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
  absl::Status Normalize(std::string* text) const override {
    size_t begin = 0;
    size_t end = text->size();
    if (left_) {
      while (begin < end) {
        size_t next = begin;
        if (!IsUnicodeWhiteSpace(DecodeUtf8At(*text, &next))) break;
        begin = next;
      }
    }
    if (right_) {
      while (end > begin) {
        size_t start = end - 1;
        while (start > begin && (static_cast<unsigned char>((*text)[start]) & 0xC0) == 0x80) {
          --start;
        }
        size_t next = start;
        if (!IsUnicodeWhiteSpace(DecodeUtf8At(*text, &next))) break;
        end = start;
      }
    }
    *text = text->substr(begin, end - begin);
    return absl::OkStatus();
  }

 private:
  bool left_;
  bool right_;
};

absl::StatusOr<std::unique_ptr<Normalizer>> ParseSequence(const Json& config,
                                                          absl::string_view where) {
  TANDEM_ASSIGN_OR_RETURN(const Json* list, JsonArray(config, "normalizers", where));
  std::vector<std::unique_ptr<Normalizer>> steps;
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string item_where = JsonPath(JsonPath(where, "normalizers"), i);
    TANDEM_ASSIGN_OR_RETURN(auto step, ParseNormalizer((*list)[i], item_where));
    if (step != nullptr) steps.push_back(std::move(step));
  }
  return std::make_unique<SequenceNormalizer>(std::move(steps));
}

absl::StatusOr<std::unique_ptr<Normalizer>> ParseReplace(const Json& config,
                                                         absl::string_view where) {
  if (!config.contains("pattern")) {
    return JsonError(where, "missing field \"pattern\"");
  }
  TANDEM_ASSIGN_OR_RETURN(SplitPattern pattern,
                          SplitPattern::FromJson(config["pattern"], JsonPath(where, "pattern")));
  TANDEM_ASSIGN_OR_RETURN(std::string content, JsonString(config, "content", where));
  return std::make_unique<ReplaceNormalizer>(std::move(pattern), std::move(content));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Normalizer>> ParseNormalizer(const Json& config,
                                                            absl::string_view where) {
  if (config.is_null()) return std::unique_ptr<Normalizer>();
  TANDEM_ASSIGN_OR_RETURN(std::string type, JsonType(config, where));
  if (type == "Sequence") return ParseSequence(config, where);
  if (type == "NFC") return std::make_unique<NfcNormalizer>();
  if (type == "NFD") return std::make_unique<NfdNormalizer>();
  if (type == "Lowercase") return std::make_unique<LowercaseNormalizer>();
  if (type == "Prepend") {
    TANDEM_ASSIGN_OR_RETURN(std::string prefix, JsonString(config, "prepend", where));
    return std::make_unique<PrependNormalizer>(std::move(prefix));
  }
  if (type == "Replace") return ParseReplace(config, where);
  if (type == "Strip") {
    TANDEM_ASSIGN_OR_RETURN(bool left, JsonBoolOr(config, "strip_left", true, where));
    TANDEM_ASSIGN_OR_RETURN(bool right, JsonBoolOr(config, "strip_right", true, where));
    return std::make_unique<StripNormalizer>(left, right);
  }
  return absl::UnimplementedError(
      absl::StrCat(where, ": normalizer type \"", type,
                   "\" is not supported (supported: Sequence, NFC, NFD, Prepend, Replace, "
                   "Lowercase, Strip)"));
}

}  // namespace tandem::model::tokenizer
