#ifndef TANDEM_COMMON_MODEL_TOKENIZER_UNICODE_H_
#define TANDEM_COMMON_MODEL_TOKENIZER_UNICODE_H_

#include <string>
#include <string_view>

// Unicode normalization and case mapping over valid UTF-8, backed by the
// tables in unicode_tables.cc (Unicode version: kUnicodeTablesVersion,
// regenerated with gen_unicode_tables.py). Pure functions, thread-safe.

namespace tandem::model::tokenizer {

// Canonical combining class of `cp` (0 for starters).
int CanonicalCombiningClass(char32_t cp);

// Normalization Form D: full canonical decomposition (including Hangul)
// followed by canonical ordering.
std::string Nfd(std::string_view text);

// Normalization Form C: NFD followed by canonical composition (UAX #15).
std::string Nfc(std::string_view text);

// Lowercases each code point independently with its full lowercase mapping
// (as Rust's char::to_lowercase, which Hugging Face's Lowercase uses: no
// context-dependent rules such as final sigma).
std::string Lowercase(std::string_view text);

}  // namespace tandem::model::tokenizer

#endif  // TANDEM_COMMON_MODEL_TOKENIZER_UNICODE_H_
