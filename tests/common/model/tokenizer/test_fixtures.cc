#include "tests/common/model/tokenizer/test_fixtures.h"

#include <cstdio>

#include "common/model/tokenizer/byte_level.h"
#include "common/model/tokenizer/utf8.h"
#include "nlohmann/json.hpp"

namespace tandem::model::testing {

std::string SpmTokenizerJson() {
  nlohmann::json t = nlohmann::json::parse(R"json({
    "version": "1.0",
    "added_tokens": [
      {"id": 0, "content": "<unk>", "single_word": false, "lstrip": false,
       "rstrip": false, "normalized": false, "special": true},
      {"id": 1, "content": "<s>", "single_word": false, "lstrip": false,
       "rstrip": false, "normalized": false, "special": true},
      {"id": 2, "content": "</s>", "single_word": false, "lstrip": false,
       "rstrip": false, "normalized": false, "special": true},
      {"id": 269, "content": "<|user|>", "single_word": false,
       "lstrip": false, "rstrip": false, "normalized": false, "special": true},
      {"id": 270, "content": "hello", "single_word": false, "lstrip": false,
       "rstrip": false, "normalized": true, "special": false}
    ],
    "normalizer": {"type": "Sequence", "normalizers": [
      {"type": "Prepend", "prepend": "▁"},
      {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
    "pre_tokenizer": null,
    "post_processor": {"type": "TemplateProcessing",
      "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                 {"Sequence": {"id": "A", "type_id": 0}}],
      "pair": [],
      "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
    "decoder": {"type": "Sequence", "decoders": [
      {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
      {"type": "ByteFallback"}, {"type": "Fuse"},
      {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
    "model": {"type": "BPE", "dropout": null, "unk_token": "<unk>",
      "continuing_subword_prefix": null, "end_of_word_suffix": null,
      "fuse_unk": true, "byte_fallback": true,
      "vocab": {"<unk>": 0, "<s>": 1, "</s>": 2, "▁": 259, "a": 260,
                "b": 261, "▁a": 262, "ab": 263, "▁ab": 264, "h": 265,
                "i": 266, "▁h": 267, "▁hi": 268},
      "merges": ["▁ a", "a b", "▁a b", "▁ h", "▁h i"]}
  })json");
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    t["model"]["vocab"][name] = kSpmByteBase + b;
  }
  return t.dump();
}

std::string ByteLevelTokenizerJson() {
  nlohmann::json t = nlohmann::json::parse(R"json({
    "added_tokens": [
      {"id": 259, "content": "<|endoftext|>", "single_word": false,
       "lstrip": false, "rstrip": false, "normalized": true, "special": true}
    ],
    "normalizer": null,
    "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false,
                      "trim_offsets": true, "use_regex": true},
    "post_processor": {"type": "ByteLevel", "add_prefix_space": true,
                       "trim_offsets": false, "use_regex": true},
    "decoder": {"type": "ByteLevel", "add_prefix_space": true,
                "trim_offsets": true, "use_regex": true},
    "model": {"type": "BPE", "dropout": null, "unk_token": null,
      "vocab": {"Ġt": 256, "he": 257, "Ġthe": 258},
      "merges": [["Ġ", "t"], "h e", "Ġt he"]}
  })json");
  for (int b = 0; b < 256; ++b) {
    t["model"]["vocab"][tokenizer::EncodeUtf8(tokenizer::ByteToUnicode(static_cast<uint8_t>(b)))] =
        b;
  }
  return t.dump();
}

std::string CharTokenizerJson() {
  nlohmann::json t = nlohmann::json::parse(R"json({
    "added_tokens": [
      {"id": 100, "content": "<mask>", "single_word": false, "lstrip": true,
       "rstrip": true, "normalized": true, "special": true},
      {"id": 101, "content": "ony", "single_word": true, "lstrip": false,
       "rstrip": false, "normalized": true, "special": false},
      {"id": 102, "content": "[x]", "single_word": false, "lstrip": false,
       "rstrip": false, "normalized": false, "special": false}
    ],
    "normalizer": null,
    "pre_tokenizer": null,
    "post_processor": null,
    "decoder": null,
    "model": {"type": "BPE", "vocab": {}, "merges": []}
  })json");
  const std::string chars = "abhinotxyAN <>[]";
  for (size_t i = 0; i < chars.size(); ++i) {
    t["model"]["vocab"][std::string(1, chars[i])] = static_cast<int>(i);
  }
  return t.dump();
}

}  // namespace tandem::model::testing
