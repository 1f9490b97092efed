// Tests of the tokenizer's Unicode building blocks: UTF-8 handling, NFC/NFD,
// lowercasing, the GPT-2 byte map, the PCRE2 regex wrapper and split
// behaviours.

#include "common/model/tokenizer/unicode.h"

#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "common/model/tokenizer/byte_level.h"
#include "common/model/tokenizer/pre_tokenizer.h"
#include "common/model/tokenizer/regex.h"
#include "common/model/tokenizer/split_pattern.h"
#include "common/model/tokenizer/utf8.h"

namespace tandem::model::tokenizer {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

TEST_CASE("Utf8: lossy decoding replaces each maximal ill-formed subpart", "[tokenizer]") {
  CHECK(Utf8Lossy("abc") == "abc");
  CHECK(Utf8Lossy("\xE2\x82"
                  "A") == kFffd + "A");                                   // truncated €
  CHECK(Utf8Lossy("\xF0\x9F\x98") == kFffd);                              // truncated at the end
  CHECK(Utf8Lossy("\xC0\x80") == kFffd + kFffd);                          // overlong
  CHECK(Utf8Lossy("\xED\xA0\x80") == kFffd + kFffd + kFffd);              // surrogate
  CHECK(Utf8Lossy("\x80\xBF") == kFffd + kFffd);                          // stray continuations
  CHECK(Utf8Lossy("\xF4\x90\x80\x80") == kFffd + kFffd + kFffd + kFffd);  // > U+10FFFF
  CHECK(FindInvalidUtf8("ok\xE2\x82\xAC") == std::string::npos);
  CHECK(FindInvalidUtf8("ok\xE2\x82") == 2);
}

TEST_CASE("Unicode: NFC composes, reorders and respects exclusions", "[tokenizer]") {
  CHECK(Nfc("e\xCC\x81") == "\xC3\xA9");                // e + ◌́ -> é
  CHECK(Nfc("\xE2\x84\xAB") == "\xC3\x85");             // Å (U+212B) -> Å
  CHECK(Nfc("\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8") ==  // jamo -> 각
        "\xEA\xB0\x81");
  // ḋ + ◌̣ : the dot below (class 220) sorts first and composes with d.
  CHECK(Nfc("\xE1\xB8\x8B\xCC\xA3") == "\xE1\xB8\x8D\xCC\x87");
  // U+0958 is a composition exclusion: stays decomposed.
  CHECK(Nfc("\xE0\xA5\x98") == "\xE0\xA4\x95\xE0\xA4\xBC");
  CHECK(Nfc("plain ascii") == "plain ascii");
}

TEST_CASE("Unicode: NFD decomposes fully, including Latin-1 and Hangul", "[tokenizer]") {
  CHECK(Nfd("\xC3\xA9") == "e\xCC\x81");
  CHECK(Nfd("\xC3\x85") == "A\xCC\x8A");
  CHECK(Nfd("\xEA\xB0\x81") == "\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8");
  CHECK(CanonicalCombiningClass(0x0301) == 230);
  CHECK(CanonicalCombiningClass(0x0323) == 220);
  CHECK(CanonicalCombiningClass('a') == 0);
}

TEST_CASE("Unicode: Lowercase maps each code point on its own", "[tokenizer]") {
  CHECK(Lowercase("HeLLo") == "hello");
  CHECK(Lowercase("\xC3\x80\xCE\xA3") == "\xC3\xA0\xCF\x83");  // ÀΣ -> àσ
  CHECK(Lowercase("\xC4\xB0") == "i\xCC\x87");                 // İ -> i̇
}

TEST_CASE("ByteLevel: the GPT-2 byte map is a bijection", "[tokenizer]") {
  CHECK(ByteToUnicode(' ') == 0x120);   // Ġ
  CHECK(ByteToUnicode('\n') == 0x10A);  // Ċ
  CHECK(ByteToUnicode('A') == 'A');
  for (int b = 0; b < 256; ++b) {
    CHECK(UnicodeToByte(ByteToUnicode(static_cast<uint8_t>(b))) == b);
  }
  CHECK_FALSE(UnicodeToByte(' ').has_value());
  CHECK(UnicodeToBytes(BytesToUnicode("h\xC3\xA9 \n")) == "h\xC3\xA9 \n");
  CHECK_FALSE(UnicodeToBytes("a b").has_value());
}

std::vector<std::string> Pieces(const std::string& regex, const std::string& text) {
  auto compiled = Regex::Compile(regex);
  REQUIRE(compiled.ok());
  auto matches = (*compiled)->FindAll(text);
  REQUIRE(matches.ok());
  std::vector<std::string> out;
  for (const ByteRange& m : *matches) {
    out.push_back(text.substr(m.first, m.second - m.first));
  }
  return out;
}

TEST_CASE("Regex: the GPT-2 pattern splits like Oniguruma", "[tokenizer]") {
  CHECK(Pieces(kGpt2SplitRegex, "Hello world's 123  x\n") ==
        std::vector<std::string>{"Hello", " world", "'s", " 123", " ", " x", "\n"});
  // \s is Unicode White_Space: U+0085 counts, U+180E does not.
  CHECK(Pieces("\\s+",
               "a\xC2\x85"
               "b\xE1\xA0\x8E"
               "c") == std::vector<std::string>{"\xC2\x85"});
  // Empty matches right after a match are skipped (Oniguruma's find_iter).
  CHECK(Pieces("a*", "baa") == std::vector<std::string>{"", "aa"});
  CHECK(TranslateOnigurumaPattern("[^\\s\\w]\\S\\u00e9") ==
        "[^\\p{White_Space}\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}"
        "\\p{Join_Control}]\\P{White_Space}\\x{00e9}");
  auto bad = Regex::Compile("(unclosed");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("(unclosed") != absl::string_view::npos);
}

std::vector<std::string> SplitDashes(SplitBehavior behavior, bool invert = false) {
  const std::string text = "the-final--countdown";
  auto pieces = SplitPattern::Literal("-").FindPieces(text);
  REQUIRE(pieces.ok());
  std::vector<std::string> out;
  for (const ByteRange& r : ApplySplitBehavior(*pieces, behavior, invert)) {
    out.push_back(text.substr(r.first, r.second - r.first));
  }
  return out;
}

TEST_CASE("SplitPattern: the five delimiter behaviours match Hugging Face", "[tokenizer]") {
  using V = std::vector<std::string>;
  CHECK(SplitDashes(SplitBehavior::kRemoved) == V{"the", "final", "countdown"});
  CHECK(SplitDashes(SplitBehavior::kIsolated) == V{"the", "-", "final", "-", "-", "countdown"});
  CHECK(SplitDashes(SplitBehavior::kMergedWithPrevious) == V{"the-", "final-", "-", "countdown"});
  CHECK(SplitDashes(SplitBehavior::kMergedWithNext) == V{"the", "-final", "-", "-countdown"});
  CHECK(SplitDashes(SplitBehavior::kContiguous) == V{"the", "-", "final", "--", "countdown"});
  // invert: the words are the delimiters.
  CHECK(SplitDashes(SplitBehavior::kRemoved, /*invert=*/true) == V{"-", "-", "-"});
}

}  // namespace
}  // namespace tandem::model::tokenizer
