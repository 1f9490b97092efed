#ifndef TANDEM_TESTS_COMMON_MODEL_TOKENIZER_TEST_FIXTURES_H_
#define TANDEM_TESTS_COMMON_MODEL_TOKENIZER_TEST_FIXTURES_H_

// Small hand-made tokenizer.json fixtures shared by the tokenizer tests.

#include <cstdint>
#include <string>

namespace tandem::model::testing {

// SentencePiece-style BPE in Llama's layout: Prepend("▁") + Replace(" "->"▁")
// normalizer, byte_fallback, decoder Replace/ByteFallback/Fuse/Strip,
// TemplateProcessing "<s> $A". Ids:
//   0 <unk>, 1 <s>, 2 </s> (added, special)
//   3..258 <0x00>..<0xFF>    (so byte b has id 3 + b)
//   259 ▁, 260 a, 261 b, 262 ▁a, 263 ab, 264 ▁ab, 265 h, 266 i, 267 ▁h,
//   268 ▁hi
//   269 <|user|> (added, special, normalized=false)
//   270 hello    (added, not special, normalized=true: its pattern is
//                 "▁hello" once normalized)
// Merges, by rank: "▁ a", "a b", "▁a b", "▁ h", "▁h i".
std::string SpmTokenizerJson();
inline constexpr int32_t kSpmByteBase = 3;

// Byte-level BPE in GPT-2's layout: ByteLevel pre-tokenizer (GPT-2 regex,
// no prefix space) and decoder. Ids 0..255 are the 256 byte characters in
// byte order (id == byte value), then 256 "Ġt" (" t"), 257 "he",
// 258 "Ġthe", 259 <|endoftext|> (added, special). Merges: "Ġ t", "h e",
// "Ġt he".
std::string ByteLevelTokenizerJson();

// Character-level model (no merges) over "abhinotxyAN <>", no normalizer
// or pre-tokenizer, with added tokens exercising the match options:
//   100 <mask>  lstrip + rstrip, special
//   101 ony     single_word
//   102 [x]     normalized=false
std::string CharTokenizerJson();

}  // namespace tandem::model::testing

#endif  // TANDEM_TESTS_COMMON_MODEL_TOKENIZER_TEST_FIXTURES_H_
