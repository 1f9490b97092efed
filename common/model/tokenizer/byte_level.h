#ifndef TANDEM_COMMON_MODEL_TOKENIZER_BYTE_LEVEL_H_
#define TANDEM_COMMON_MODEL_TOKENIZER_BYTE_LEVEL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// GPT-2's reversible byte <-> Unicode map: printable Latin-1 bytes
// ('!'..'~', 0xA1..0xAC, 0xAE..0xFF) map to themselves, the other 68 bytes
// to U+0100 onwards in byte order (so ' ' -> 'Ġ' U+0120, '\n' -> 'Ċ' U+010A).
// Byte-level BPE vocabularies spell their tokens in these characters.

namespace tandem::model::tokenizer {

// The character byte `b` maps to.
char32_t ByteToUnicode(uint8_t b);

// The byte that character `c` stands for, if it is one of the 256.
std::optional<uint8_t> UnicodeToByte(char32_t c);

// Maps each byte of `bytes` to its character, as UTF-8.
std::string BytesToUnicode(std::string_view bytes);

// Inverse of BytesToUnicode for one token: its bytes if every character of
// `token` (valid UTF-8) is in the map, else nullopt.
std::optional<std::string> UnicodeToBytes(std::string_view token);

}  // namespace tandem::model::tokenizer

#endif  // TANDEM_COMMON_MODEL_TOKENIZER_BYTE_LEVEL_H_
