#include "common/model/tokenizer/byte_level.h"

#include <array>

#include "common/model/tokenizer/utf8.h"

namespace tandem::model::tokenizer {
namespace {

struct ByteTables {
  std::array<char32_t, 256> to_unicode;
  std::array<std::string, 256> to_unicode_utf8;
  std::array<uint8_t, 68> from_shifted;  // byte for U+0100 + i
};

bool IsPrintableByte(int b) {
  return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

const ByteTables& Tables() {
  static const ByteTables* const tables = [] {
    auto* t = new ByteTables();
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      t->to_unicode[b] = IsPrintableByte(b) ? static_cast<char32_t>(b) : next++;
      t->to_unicode_utf8[b] = EncodeUtf8(t->to_unicode[b]);
      if (t->to_unicode[b] >= 256) {
        t->from_shifted[t->to_unicode[b] - 256] = static_cast<uint8_t>(b);
      }
    }
    return t;
  }();
  return *tables;
}

}  // namespace

char32_t ByteToUnicode(uint8_t b) { return Tables().to_unicode[b]; }

std::optional<uint8_t> UnicodeToByte(char32_t c) {
  if (c < 256) {
    if (IsPrintableByte(static_cast<int>(c))) return static_cast<uint8_t>(c);
    return std::nullopt;
  }
  if (c >= 256 + 68) return std::nullopt;
  return Tables().from_shifted[c - 256];
}

std::string BytesToUnicode(std::string_view bytes) {
  const ByteTables& t = Tables();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) out += t.to_unicode_utf8[static_cast<uint8_t>(c)];
  return out;
}

std::optional<std::string> UnicodeToBytes(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  size_t pos = 0;
  while (pos < token.size()) {
    const std::optional<uint8_t> b = UnicodeToByte(DecodeUtf8At(token, &pos));
    if (!b.has_value()) return std::nullopt;
    out.push_back(static_cast<char>(*b));
  }
  return out;
}

}  // namespace tandem::model::tokenizer
