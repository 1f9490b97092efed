#ifndef TANDEM_COMMON_MODEL_TOKENIZER_JSON_UTIL_H_
#define TANDEM_COMMON_MODEL_TOKENIZER_JSON_UTIL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

// Typed, non-throwing field access for tokenizer.json components. Every
// error is InvalidArgument and names `where` (e.g. "tokenizer.json:
// pre_tokenizer.pretokenizers[1]") and the field.
//
// Locations and keys are absl::string_view: Debian 12's Abseil is built with
// its own string_view type (ABSL_OPTION_USE_STD_STRING_VIEW 0), which is
// what absl::StrCat and absl's hash maps accept. Text being tokenized stays
// std::string_view.

namespace tandem::model::tokenizer {

using Json = nlohmann::json;

// Builds "where.key" / "where[index]" locations for messages.
std::string JsonPath(absl::string_view where, absl::string_view key);
std::string JsonPath(absl::string_view where, size_t index);

// The "type" string of a component object.
absl::StatusOr<std::string> JsonType(const Json& obj, absl::string_view where);

// Required fields: error if missing, null or of the wrong type.
absl::StatusOr<std::string> JsonString(const Json& obj, absl::string_view key,
                                       absl::string_view where);
absl::StatusOr<const Json*> JsonArray(const Json& obj, absl::string_view key,
                                      absl::string_view where);

// Optional fields: `fallback` if missing or null, error if of the wrong type.
absl::StatusOr<std::string> JsonStringOr(const Json& obj, absl::string_view key,
                                         absl::string_view fallback, absl::string_view where);
absl::StatusOr<std::optional<std::string>> JsonOptionalString(const Json& obj,
                                                              absl::string_view key,
                                                              absl::string_view where);
absl::StatusOr<bool> JsonBoolOr(const Json& obj, absl::string_view key, bool fallback,
                                absl::string_view where);
absl::StatusOr<int64_t> JsonIntOr(const Json& obj, absl::string_view key, int64_t fallback,
                                  absl::string_view where);

// A string field holding exactly one Unicode character (e.g. Metaspace's
// "replacement"), returned as its UTF-8 bytes.
absl::StatusOr<std::string> JsonChar(const Json& obj, absl::string_view key,
                                     absl::string_view fallback, absl::string_view where);

absl::Status JsonError(absl::string_view where, absl::string_view problem);

}  // namespace tandem::model::tokenizer

#endif  // TANDEM_COMMON_MODEL_TOKENIZER_JSON_UTIL_H_
