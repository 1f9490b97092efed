#include "common/model/tokenizer/post_processor.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/base/status_macros.h"

namespace tandem::model::tokenizer {
namespace {

// The ids of special token `name` in TemplateProcessing's special_tokens.
absl::StatusOr<std::vector<int32_t>> TemplateTokenIds(const Json& config, const std::string& name,
                                                      absl::string_view where) {
  auto specials = config.find("special_tokens");
  if (specials == config.end() || !specials->is_object() || !specials->contains(name)) {
    return JsonError(where, absl::StrCat("template uses special token \"", name,
                                         "\", which special_tokens lacks"));
  }
  const Json& entry = (*specials)[name];
  auto ids = entry.find("ids");
  if (ids == entry.end() || !ids->is_array()) {
    return JsonError(JsonPath(JsonPath(where, "special_tokens"), name), "missing array \"ids\"");
  }
  std::vector<int32_t> out;
  for (const Json& id : *ids) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0) {
      return JsonError(JsonPath(JsonPath(where, "special_tokens"), name),
                       absl::StrCat("bad id ", id.dump()));
    }
    out.push_back(id.get<int32_t>());
  }
  return out;
}

// One element of a template: a sequence placeholder, or a special token.
struct TemplateItem {
  bool is_sequence = false;
  std::string name;  // sequence id ("A") or special token
};

absl::StatusOr<std::vector<TemplateItem>> TemplateItems(const Json& single,
                                                        absl::string_view where) {
  std::vector<TemplateItem> items;
  if (single.is_string()) {
    // The Python-side form, e.g. "[CLS] $A [SEP]" or "<s> $0:0".
    const std::string text = single.get<std::string>();
    for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
      // Drop a ":type_id" suffix.
      const absl::string_view name = word.substr(0, word.rfind(':'));
      if (!name.empty() && name[0] == '$') {
        items.push_back({true, std::string(name.substr(1))});
      } else {
        items.push_back({false, std::string(name)});
      }
    }
    return items;
  }
  if (!single.is_array()) {
    return JsonError(where, "expected \"single\" to be an array or string");
  }
  for (const Json& piece : single) {
    if (piece.is_object() && piece.contains("Sequence")) {
      items.push_back({true, piece["Sequence"].value("id", "A")});
    } else if (piece.is_object() && piece.contains("SpecialToken") &&
               piece["SpecialToken"].contains("id") && piece["SpecialToken"]["id"].is_string()) {
      items.push_back({false, piece["SpecialToken"]["id"].get<std::string>()});
    } else {
      return JsonError(where, absl::StrCat("bad template piece ", piece.dump()));
    }
  }
  return items;
}

absl::StatusOr<SpecialTokenWrap> ParseTemplate(const Json& config, absl::string_view where) {
  if (!config.contains("single")) {
    return JsonError(where, "missing field \"single\"");
  }
  TANDEM_ASSIGN_OR_RETURN(std::vector<TemplateItem> items,
                          TemplateItems(config["single"], JsonPath(where, "single")));
  SpecialTokenWrap wrap;
  bool seen_sequence = false;
  for (const TemplateItem& item : items) {
    if (item.is_sequence) {
      if (seen_sequence) {
        return JsonError(where, "single template has two sequences");
      }
      seen_sequence = true;
      continue;
    }
    TANDEM_ASSIGN_OR_RETURN(std::vector<int32_t> ids, TemplateTokenIds(config, item.name, where));
    auto& side = seen_sequence ? wrap.suffix : wrap.prefix;
    side.insert(side.end(), ids.begin(), ids.end());
  }
  if (!seen_sequence) {
    return JsonError(where, "single template has no sequence ($A)");
  }
  return wrap;
}

// RobertaProcessing / BertProcessing: "cls": [token, id], "sep": [token, id].
absl::StatusOr<int32_t> PairId(const Json& config, const char* key, absl::string_view where) {
  auto it = config.find(key);
  if (it == config.end() || !it->is_array() || it->size() != 2 || !(*it)[1].is_number_integer() ||
      (*it)[1].get<int64_t>() < 0) {
    return JsonError(JsonPath(where, key), "expected [token, id]");
  }
  return (*it)[1].get<int32_t>();
}

}  // namespace

absl::StatusOr<SpecialTokenWrap> ParsePostProcessor(const Json& config, absl::string_view where) {
  if (config.is_null()) return SpecialTokenWrap();
  TANDEM_ASSIGN_OR_RETURN(std::string type, JsonType(config, where));
  if (type == "ByteLevel") return SpecialTokenWrap();
  if (type == "TemplateProcessing") return ParseTemplate(config, where);
  if (type == "RobertaProcessing" || type == "BertProcessing") {
    TANDEM_ASSIGN_OR_RETURN(int32_t cls, PairId(config, "cls", where));
    TANDEM_ASSIGN_OR_RETURN(int32_t sep, PairId(config, "sep", where));
    return SpecialTokenWrap{{cls}, {sep}};
  }
  if (type == "Sequence") {
    TANDEM_ASSIGN_OR_RETURN(const Json* list, JsonArray(config, "processors", where));
    // HF hands each processor the previous one's output as a list of
    // encodings, so a second special-token processor would see a "pair";
    // only one such processor (plus any ByteLevel) is supported.
    SpecialTokenWrap wrap;
    int n_wrapping = 0;
    for (size_t i = 0; i < list->size(); ++i) {
      const std::string item_where = JsonPath(JsonPath(where, "processors"), i);
      TANDEM_ASSIGN_OR_RETURN(std::string item_type, JsonType((*list)[i], item_where));
      TANDEM_ASSIGN_OR_RETURN(SpecialTokenWrap inner, ParsePostProcessor((*list)[i], item_where));
      if (item_type == "ByteLevel") continue;
      if (++n_wrapping > 1) {
        return absl::UnimplementedError(
            absl::StrCat(item_where,
                         ": a post-processor Sequence with more than one "
                         "special-token processor is not supported"));
      }
      wrap = std::move(inner);
    }
    return wrap;
  }
  return absl::UnimplementedError(
      absl::StrCat(where, ": post-processor type \"", type,
                   "\" is not supported (supported: TemplateProcessing, ByteLevel, "
                   "RobertaProcessing, BertProcessing, Sequence)"));
}

}  // namespace tandem::model::tokenizer
