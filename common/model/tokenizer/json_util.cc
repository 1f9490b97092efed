#include "common/model/tokenizer/json_util.h"

#include "absl/strings/str_cat.h"
#include "common/model/tokenizer/utf8.h"

namespace tandem::model::tokenizer {
namespace {

const Json* Find(const Json& obj, absl::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(std::string(key));
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

absl::Status WrongType(absl::string_view where, absl::string_view key, absl::string_view expected,
                       const Json& value) {
  return JsonError(JsonPath(where, key),
                   absl::StrCat("expected ", expected, ", got ", value.type_name()));
}

}  // namespace

std::string JsonPath(absl::string_view where, absl::string_view key) {
  return absl::StrCat(where, ".", key);
}

std::string JsonPath(absl::string_view where, size_t index) {
  return absl::StrCat(where, "[", index, "]");
}

absl::Status JsonError(absl::string_view where, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", problem));
}

absl::StatusOr<std::string> JsonType(const Json& obj, absl::string_view where) {
  if (!obj.is_object()) {
    return JsonError(where, absl::StrCat("expected an object, got ", obj.type_name()));
  }
  const Json* type = Find(obj, "type");
  if (type == nullptr || !type->is_string()) {
    return JsonError(where, "missing string field \"type\"");
  }
  return type->get<std::string>();
}

absl::StatusOr<std::string> JsonString(const Json& obj, absl::string_view key,
                                       absl::string_view where) {
  const Json* value = Find(obj, key);
  if (value == nullptr) {
    return JsonError(where, absl::StrCat("missing field \"", key, "\""));
  }
  if (!value->is_string()) return WrongType(where, key, "a string", *value);
  return value->get<std::string>();
}

absl::StatusOr<const Json*> JsonArray(const Json& obj, absl::string_view key,
                                      absl::string_view where) {
  const Json* value = Find(obj, key);
  if (value == nullptr) {
    return JsonError(where, absl::StrCat("missing field \"", key, "\""));
  }
  if (!value->is_array()) return WrongType(where, key, "an array", *value);
  return value;
}

absl::StatusOr<std::string> JsonStringOr(const Json& obj, absl::string_view key,
                                         absl::string_view fallback, absl::string_view where) {
  const Json* value = Find(obj, key);
  if (value == nullptr) return std::string(fallback);
  if (!value->is_string()) return WrongType(where, key, "a string", *value);
  return value->get<std::string>();
}

absl::StatusOr<std::optional<std::string>> JsonOptionalString(const Json& obj,
                                                              absl::string_view key,
                                                              absl::string_view where) {
  const Json* value = Find(obj, key);
  if (value == nullptr) return std::optional<std::string>();
  if (!value->is_string()) return WrongType(where, key, "a string", *value);
  return std::optional<std::string>(value->get<std::string>());
}

absl::StatusOr<bool> JsonBoolOr(const Json& obj, absl::string_view key, bool fallback,
                                absl::string_view where) {
  const Json* value = Find(obj, key);
  if (value == nullptr) return fallback;
  if (!value->is_boolean()) return WrongType(where, key, "a boolean", *value);
  return value->get<bool>();
}

absl::StatusOr<int64_t> JsonIntOr(const Json& obj, absl::string_view key, int64_t fallback,
                                  absl::string_view where) {
  const Json* value = Find(obj, key);
  if (value == nullptr) return fallback;
  if (!value->is_number_integer()) {
    return WrongType(where, key, "an integer", *value);
  }
  return value->get<int64_t>();
}

absl::StatusOr<std::string> JsonChar(const Json& obj, absl::string_view key,
                                     absl::string_view fallback, absl::string_view where) {
  auto value = JsonStringOr(obj, key, fallback, where);
  if (!value.ok()) return value.status();
  if (value->empty() ||
      Utf8SequenceLength(static_cast<unsigned char>((*value)[0])) != value->size()) {
    return JsonError(JsonPath(where, key),
                     absl::StrCat("expected exactly one character, got \"", *value, "\""));
  }
  return value;
}

}  // namespace tandem::model::tokenizer
