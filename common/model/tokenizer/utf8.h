#ifndef TANDEM_COMMON_MODEL_TOKENIZER_UTF8_H_
#define TANDEM_COMMON_MODEL_TOKENIZER_UTF8_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

// UTF-8 helpers shared by the tokenizer components. Unless a function says
// otherwise, inputs must be valid UTF-8 (check with FindInvalidUtf8 first).

namespace tandem::model::tokenizer {

inline constexpr char32_t kReplacementChar = 0xFFFD;

// Byte offset of the first byte that does not start a well-formed UTF-8
// sequence (Unicode 3.9, Table 3-7), or std::string_view::npos if `s` is
// valid. Accepts any bytes.
size_t FindInvalidUtf8(std::string_view s);
inline bool IsValidUtf8(std::string_view s) { return FindInvalidUtf8(s) == std::string_view::npos; }

// Converts arbitrary bytes to valid UTF-8 the way Rust's
// String::from_utf8_lossy (and Python's errors="replace") do: each maximal
// subpart of an ill-formed sequence becomes one U+FFFD.
std::string Utf8Lossy(std::string_view bytes);

// Length in bytes of the sequence that `lead` starts (1 for a stray byte).
size_t Utf8SequenceLength(unsigned char lead);

// Decodes the code point starting at s[*pos] and advances *pos past it.
// Requires *pos < s.size() and valid UTF-8.
char32_t DecodeUtf8At(std::string_view s, size_t* pos);

void AppendUtf8(char32_t cp, std::string* out);
std::string EncodeUtf8(char32_t cp);

std::u32string ToCodePoints(std::string_view s);
std::string FromCodePoints(std::u32string_view cps);

// True for the Unicode White_Space property (Rust's char::is_whitespace).
bool IsUnicodeWhiteSpace(char32_t c);

}  // namespace tandem::model::tokenizer

#endif  // TANDEM_COMMON_MODEL_TOKENIZER_UTF8_H_
