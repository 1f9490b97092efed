#include "common/model/tokenizer/tokenizer.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "catch2/catch.hpp"
#include "tests/common/model/tokenizer/test_fixtures.h"

namespace tandem::model {
namespace {

using testing::kSpmByteBase;
using Ids = std::vector<int32_t>;

// Fingerprint of CharTokenizerJson(), computed outside this code base (a
// few lines of Python implementing the documented FNV-1a layout).
constexpr uint64_t kCharTokenizerFingerprint = 0x5dc2b1ac47ad0e92ULL;

std::unique_ptr<Tokenizer> Load(const std::string& json, const std::string& config = "") {
  auto tokenizer = Tokenizer::FromJson(json, config);
  INFO(tokenizer.status().ToString());
  REQUIRE(tokenizer.ok());
  return std::move(tokenizer).value();
}

Ids Encode(const Tokenizer& tokenizer, const std::string& text, bool add_special_tokens = false) {
  auto ids = tokenizer.Encode(text, add_special_tokens);
  INFO(ids.status().ToString());
  REQUIRE(ids.ok());
  return *ids;
}

std::string Decode(const Tokenizer& tokenizer, const Ids& ids, bool skip_special_tokens = false) {
  auto text = tokenizer.Decode(ids, skip_special_tokens);
  INFO(text.status().ToString());
  REQUIRE(text.ok());
  return *text;
}

bool Contains(absl::string_view haystack, absl::string_view needle) {
  return haystack.find(needle) != absl::string_view::npos;
}

TEST_CASE("Tokenizer: BPE merges lowest rank first, leftmost on ties", "[tokenizer]") {
  auto tokenizer = Load(testing::SpmTokenizerJson());
  // "▁ab": (▁,a) rank 0 -> ▁a; then (▁a,b) rank 2 -> ▁ab (264).
  CHECK(Encode(*tokenizer, "ab") == Ids{264});
  // "▁hi▁ab": ▁a (r0), ▁ab (r2), ▁h (r3), ▁hi (r4). The stale (a,b) r1
  // candidate is skipped once a joined ▁.
  CHECK(Encode(*tokenizer, "hi ab") == Ids{268, 264});
  // Byte-level: "the" -> t + he (no "t he" merge); " the" -> Ġthe.
  auto byte_level = Load(testing::ByteLevelTokenizerJson());
  CHECK(Encode(*byte_level, "the the") == Ids{'t', 257, 258});
}

TEST_CASE("Tokenizer: unknown characters fall back to byte tokens", "[tokenizer]") {
  auto tokenizer = Load(testing::SpmTokenizerJson());
  CHECK(Encode(*tokenizer, "c") == Ids{259, kSpmByteBase + 'c'});
  // é is C3 A9 in UTF-8.
  CHECK(Encode(*tokenizer, "é") == Ids{259, kSpmByteBase + 0xC3, kSpmByteBase + 0xA9});
  CHECK(Decode(*tokenizer, {259, kSpmByteBase + 0xC3, kSpmByteBase + 0xA9}) == "é");
  // An invalid byte run decodes to one U+FFFD per byte token.
  CHECK(Decode(*tokenizer, {kSpmByteBase + 0xC3}) == "\xEF\xBF\xBD");
  CHECK(Decode(*tokenizer, {kSpmByteBase + 0xC3, 260}) ==
        "\xEF\xBF\xBD"
        "a");
}

TEST_CASE(
    "Tokenizer: add_special_tokens follows the post-processor when "
    "the config is silent",
    "[tokenizer]") {
  auto tokenizer = Load(testing::SpmTokenizerJson());
  CHECK(Encode(*tokenizer, "ab", true) == Ids{1, 264});
  CHECK(Encode(*tokenizer, "", true) == Ids{1});
  CHECK(Encode(*tokenizer, "", false) == Ids{});
  CHECK(tokenizer->bos_id() == 1);
  CHECK_FALSE(tokenizer->eos_id().has_value());
}

TEST_CASE(
    "Tokenizer: tokenizer_config.json add_bos/add_eos override the "
    "post-processor",
    "[tokenizer]") {
  auto tokenizer = Load(testing::SpmTokenizerJson(), R"({
      "add_bos_token": false, "add_eos_token": true,
      "eos_token": {"content": "</s>", "lstrip": false}})");
  CHECK(Encode(*tokenizer, "ab", true) == Ids{264, 2});
  CHECK(tokenizer->bos_id() == 1);  // config silent on bos_token
  CHECK(tokenizer->eos_id() == 2);

  auto no_bos = Load(testing::SpmTokenizerJson(), R"({"bos_token": null})");
  CHECK_FALSE(no_bos->bos_id().has_value());
  CHECK(Encode(*no_bos, "ab", true) == Ids{1, 264});  // still the template

  auto bad = Tokenizer::FromJson(testing::SpmTokenizerJson(), R"({"bos_token": "<nope>"})");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(Contains(bad.status().message(), "<nope>"));

  auto missing = Tokenizer::FromJson(testing::SpmTokenizerJson(), R"({"add_eos_token": true})");
  REQUIRE_FALSE(missing.ok());
  CHECK(Contains(missing.status().message(), "eos_token"));
}

TEST_CASE("Tokenizer: added tokens are split out before normalization", "[tokenizer]") {
  auto tokenizer = Load(testing::SpmTokenizerJson());
  // <|user|> (normalized=false) is found in the raw text; each side is then
  // normalized separately, so each gets its own "▁".
  CHECK(Encode(*tokenizer, "a<|user|>b") == Ids{262, 269, 259, 261});
  // "hello" (normalized=true) is matched as "▁hello" in normalized text.
  CHECK(Encode(*tokenizer, "ab hello") == Ids{264, 270});
  const Ids inside_word = Encode(*tokenizer, "abhello");
  CHECK(std::find(inside_word.begin(), inside_word.end(), 270) == inside_word.end());
}

TEST_CASE(
    "Tokenizer: added-token lstrip, rstrip, single_word and "
    "normalized flags behave as in Hugging Face",
    "[tokenizer]") {
  // Char-level ids: a 0, b 1, h 2, i 3, n 4, o 5, t 6, x 7, y 8, A 9, N 10,
  // ' ' 11, < 12, > 13, [ 14, ] 15.
  auto tokenizer = Load(testing::CharTokenizerJson());
  // <mask> swallows the spaces on both sides.
  CHECK(Encode(*tokenizer, "a <mask> b") == Ids{0, 100, 1});
  CHECK(Encode(*tokenizer, "a<mask>b") == Ids{0, 100, 1});
  // single_word: "ony" inside "Anthony" is not a match...
  CHECK(Encode(*tokenizer, "Anthony") == Ids{9, 4, 6, 2, 5, 4, 8});
  // ...but on its own it is.
  CHECK(Encode(*tokenizer, "ony ony") == Ids{101, 11, 101});
  // normalized=false tokens match the raw text.
  CHECK(Encode(*tokenizer, "a[x]b") == Ids{0, 102, 1});
  // Leftmost-longest: "<mask>" wins over its first character.
  CHECK(Encode(*tokenizer, "<<mask>") == Ids{12, 100});
}

TEST_CASE("Tokenizer: Decode skips special tokens on request", "[tokenizer]") {
  auto tokenizer = Load(testing::SpmTokenizerJson());
  CHECK(Decode(*tokenizer, {1, 262, 2}, true) == "a");
  // Replace gives "<s> a</s>"; Strip only removes a leading space.
  CHECK(Decode(*tokenizer, {1, 262, 2}, false) == "<s> a</s>");
  CHECK(tokenizer->IsSpecial(1));
  CHECK(tokenizer->IsSpecial(269));
  CHECK_FALSE(tokenizer->IsSpecial(270));
  CHECK_FALSE(tokenizer->IsSpecial(260));
  CHECK_FALSE(tokenizer->IsSpecial(-1));

  // Without a decoder, tokens are joined with spaces.
  auto chars = Load(testing::CharTokenizerJson());
  CHECK(Decode(*chars, {0, 100, 1}) == "a <mask> b");
  CHECK(Decode(*chars, {0, 100, 1}, true) == "a b");

  auto byte_level = Load(testing::ByteLevelTokenizerJson());
  const Ids ids = Encode(*byte_level, "the<|endoftext|> héllo\n");
  CHECK(ids[2] == 259);
  CHECK(Decode(*byte_level, ids) == "the<|endoftext|> héllo\n");
  CHECK(Decode(*byte_level, ids, true) == "the héllo\n");
}

TEST_CASE(
    "Tokenizer: Decode rejects out-of-range ids naming the id and "
    "the vocab size",
    "[tokenizer]") {
  auto tokenizer = Load(testing::SpmTokenizerJson());
  REQUIRE(tokenizer->vocab_size() == 271);
  for (const int32_t bad : {271, 100000, -1}) {
    auto text = tokenizer->Decode(Ids{260, bad}, false);
    REQUIRE_FALSE(text.ok());
    CHECK(text.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(Contains(text.status().message(), std::to_string(bad)));
    CHECK(Contains(text.status().message(), "271"));
  }
}

TEST_CASE("Tokenizer: Encode rejects invalid UTF-8", "[tokenizer]") {
  auto tokenizer = Load(testing::SpmTokenizerJson());
  auto ids = tokenizer->Encode("ab\xC3(", false);
  REQUIRE_FALSE(ids.ok());
  CHECK(ids.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(Contains(ids.status().message(), "byte 2"));
}

TEST_CASE("Tokenizer: token lookups cover the model and added tokens", "[tokenizer]") {
  auto tokenizer = Load(testing::SpmTokenizerJson());
  CHECK(tokenizer->TokenToId("<|user|>") == 269);
  CHECK(tokenizer->TokenToId("▁ab") == 264);
  CHECK(tokenizer->TokenToId("<0x41>") == kSpmByteBase + 0x41);
  CHECK_FALSE(tokenizer->TokenToId("zz").has_value());
  CHECK(tokenizer->IdToToken(264) == "▁ab");
  CHECK(tokenizer->IdToToken(270) == "hello");
  CHECK(tokenizer->IdToToken(271).empty());
  CHECK(tokenizer->IdToToken(-5).empty());
  CHECK(tokenizer->IsByteFallbackPiece(kSpmByteBase + 0x41));
  CHECK_FALSE(tokenizer->IsByteFallbackPiece(260));
}

TEST_CASE("Tokenizer: malformed JSON is InvalidArgument naming the file", "[tokenizer]") {
  auto bad_json = Tokenizer::FromJson("{\"model\": ", "");
  REQUIRE_FALSE(bad_json.ok());
  CHECK(bad_json.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(Contains(bad_json.status().message(), "tokenizer.json"));
  CHECK(Contains(bad_json.status().message(), "not valid JSON"));

  auto bad_config = Tokenizer::FromJson(testing::SpmTokenizerJson(), "{,}");
  REQUIRE_FALSE(bad_config.ok());
  CHECK(Contains(bad_config.status().message(), "tokenizer_config.json"));

  auto not_object = Tokenizer::FromJson("[1, 2]", "");
  REQUIRE_FALSE(not_object.ok());
  CHECK(not_object.status().code() == absl::StatusCode::kInvalidArgument);

  auto bad_merge = Tokenizer::FromJson(
      R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a zz"]}})", "");
  REQUIRE_FALSE(bad_merge.ok());
  CHECK(bad_merge.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(Contains(bad_merge.status().message(), "model.merges[0]"));
  CHECK(Contains(bad_merge.status().message(), "\"zz\""));

  auto bad_id =
      Tokenizer::FromJson(R"({"model": {"type": "BPE", "vocab": {"a": "0"}, "merges": []}})", "");
  REQUIRE_FALSE(bad_id.ok());
  CHECK(Contains(bad_id.status().message(), "model.vocab"));
}

TEST_CASE(
    "Tokenizer: unsupported model types are Unimplemented naming the "
    "type",
    "[tokenizer]") {
  auto unigram =
      Tokenizer::FromJson(R"({"model": {"type": "Unigram", "vocab": [["a", 0.0]]}})", "");
  REQUIRE_FALSE(unigram.ok());
  CHECK(unigram.status().code() == absl::StatusCode::kUnimplemented);
  CHECK(unigram.status().message() ==
        "tokenizer.json: model type \"Unigram\" is not supported "
        "(supported: BPE)");
  // Without "type", the fields decide (as HF's untagged deserialization).
  auto wordpiece =
      Tokenizer::FromJson(R"({"model": {"vocab": {"a": 0}, "max_input_chars_per_word": 100}})", "");
  REQUIRE_FALSE(wordpiece.ok());
  CHECK(Contains(wordpiece.status().message(), "\"WordPiece\""));
}

TEST_CASE(
    "Tokenizer: unsupported components are Unimplemented naming the "
    "type and where it is",
    "[tokenizer]") {
  const std::string model = R"("model": {"type": "BPE", "vocab": {"a": 0}, "merges": []})";
  auto nfkc = Tokenizer::FromJson("{\"normalizer\": {\"type\": \"NFKC\"}, " + model + "}", "");
  REQUIRE_FALSE(nfkc.ok());
  CHECK(nfkc.status().code() == absl::StatusCode::kUnimplemented);
  CHECK(Contains(nfkc.status().message(), "\"NFKC\""));
  CHECK(Contains(nfkc.status().message(), "normalizer"));

  auto bert = Tokenizer::FromJson(
      "{\"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": "
      "[{\"type\": \"BertPreTokenizer\"}]}, " +
          model + "}",
      "");
  REQUIRE_FALSE(bert.ok());
  CHECK(bert.status().code() == absl::StatusCode::kUnimplemented);
  CHECK(Contains(bert.status().message(), "pre_tokenizer.pretokenizers[0]"));

  auto ctc = Tokenizer::FromJson("{\"decoder\": {\"type\": \"CTC\"}, " + model + "}", "");
  REQUIRE_FALSE(ctc.ok());
  CHECK(Contains(ctc.status().message(), "\"CTC\""));
}

TEST_CASE("Tokenizer: FromDirectory reports a missing tokenizer.json", "[tokenizer]") {
  auto missing = Tokenizer::FromDirectory("/nonexistent/tandem/tokenizer");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE(
    "Tokenizer: Fingerprint is equal for equal vocabularies and "
    "differs otherwise",
    "[tokenizer]") {
  const uint64_t spm = Load(testing::SpmTokenizerJson())->Fingerprint();
  CHECK(Load(testing::SpmTokenizerJson())->Fingerprint() == spm);
  CHECK(Load(testing::ByteLevelTokenizerJson())->Fingerprint() != spm);
  // Same vocabulary, different EOS.
  CHECK(Load(testing::SpmTokenizerJson(), R"({"eos_token": "</s>"})")->Fingerprint() != spm);
  // The value is a fixed function of the vocabulary (FNV-1a 64 over, per
  // id: id, token length and bytes as little-endian int64s, special flag;
  // then bos and eos), computed independently for this 16-token vocabulary
  // with added tokens 100..102 (ids 16..99 unused).
  CHECK(Load(testing::CharTokenizerJson())->Fingerprint() == kCharTokenizerFingerprint);
}

}  // namespace
}  // namespace tandem::model
