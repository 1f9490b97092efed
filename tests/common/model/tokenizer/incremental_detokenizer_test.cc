#include "common/model/tokenizer/incremental_detokenizer.h"

#include <memory>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "common/model/tokenizer/utf8.h"
#include "nlohmann/json.hpp"
#include "tests/common/model/tokenizer/test_fixtures.h"

namespace tandem::model {
namespace {

using testing::kSpmByteBase;
using Ids = std::vector<int32_t>;

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

std::unique_ptr<Tokenizer> Load(const std::string& json) {
  auto tokenizer = Tokenizer::FromJson(json, "");
  INFO(tokenizer.status().ToString());
  REQUIRE(tokenizer.ok());
  return std::move(tokenizer).value();
}

// Pushes `ids` one by one; returns each Push's chunk, then Flush's.
std::vector<std::string> Stream(const Tokenizer& tokenizer, const Ids& ids,
                                bool skip_special_tokens = true) {
  IncrementalDetokenizer stream(tokenizer, skip_special_tokens);
  std::vector<std::string> chunks;
  for (int32_t id : ids) chunks.push_back(stream.Push(id));
  chunks.push_back(stream.Flush());
  return chunks;
}

std::string Join(const std::vector<std::string>& chunks) {
  std::string out;
  for (const std::string& c : chunks) out += c;
  return out;
}

TEST_CASE(
    "IncrementalDetokenizer: byte-fallback emoji and CJK never emit "
    "invalid UTF-8",
    "[tokenizer]") {
  auto tokenizer = Load(testing::SpmTokenizerJson());
  // 🦙 and 日本 have no tokens here, so they encode as <0xXX> byte tokens.
  const std::string text = "ab 🦙 hi日本ab";
  auto ids = tokenizer->Encode(text, /*add_special_tokens=*/true);
  REQUIRE(ids.ok());
  REQUIRE(ids->size() > 12);
  const std::vector<std::string> chunks = Stream(*tokenizer, *ids);
  for (const std::string& chunk : chunks) {
    INFO("chunk: \"" << chunk << "\"");
    CHECK(tokenizer::IsValidUtf8(chunk));
    CHECK(chunk.find(kReplacement) == std::string::npos);
  }
  auto decoded = tokenizer->Decode(*ids, /*skip_special_tokens=*/true);
  REQUIRE(decoded.ok());
  CHECK(*decoded == text);
  CHECK(Join(chunks) == text);
}

TEST_CASE(
    "IncrementalDetokenizer: a character's bytes come out together "
    "once the byte run ends",
    "[tokenizer]") {
  auto tokenizer = Load(testing::SpmTokenizerJson());
  // "▁", F0 9F A6 99 (🦙), "a".
  const Ids ids = {
      259, kSpmByteBase + 0xF0, kSpmByteBase + 0x9F, kSpmByteBase + 0xA6, kSpmByteBase + 0x99, 260};
  const std::vector<std::string> chunks = Stream(*tokenizer, ids);
  // The leading space is stripped at the start of the text; nothing is
  // final until the run of byte tokens is over.
  CHECK(chunks == std::vector<std::string>{"", "", "", "", "", "🦙a", ""});
}

TEST_CASE(
    "IncrementalDetokenizer: SentencePiece spaces are stripped only "
    "at the start",
    "[tokenizer]") {
  auto tokenizer = Load(testing::SpmTokenizerJson());
  // <s> ▁ab ▁hi ▁a b
  const Ids ids = {1, 264, 268, 262, 261};
  const std::vector<std::string> chunks = Stream(*tokenizer, ids);
  CHECK(chunks == std::vector<std::string>{"", "ab", " hi", " a", "b", ""});
  CHECK(Join(chunks) == tokenizer->Decode(ids, true).value());
}

TEST_CASE(
    "IncrementalDetokenizer: byte-level partial characters are held "
    "back",
    "[tokenizer]") {
  auto tokenizer = Load(testing::ByteLevelTokenizerJson());
  // In the byte-level fixture id == byte: "x", then é (C3 A9), then € (E2 82
  // AC), then "<|endoftext|>" (259).
  const Ids ids = {'x', 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 259};
  const std::vector<std::string> with_special =
      Stream(*tokenizer, ids, /*skip_special_tokens=*/false);
  CHECK(with_special == std::vector<std::string>{"x", "", "é", "", "", "€", "<|endoftext|>", ""});
  CHECK(Join(Stream(*tokenizer, ids)) == "xé€");
}

TEST_CASE(
    "IncrementalDetokenizer: Flush returns an unfinished character "
    "as Decode does",
    "[tokenizer]") {
  auto spm = Load(testing::SpmTokenizerJson());
  const Ids spm_ids = {260, kSpmByteBase + 0xF0, kSpmByteBase + 0x9F};
  const std::vector<std::string> spm_chunks = Stream(*spm, spm_ids);
  // HF's ByteFallback: an invalid run is one U+FFFD per byte token.
  CHECK(spm_chunks ==
        std::vector<std::string>{"a", "", "", std::string(kReplacement) + kReplacement});
  CHECK(Join(spm_chunks) == spm->Decode(spm_ids, true).value());

  auto byte_level = Load(testing::ByteLevelTokenizerJson());
  const Ids bl_ids = {'a', 0xF0, 0x9F};
  const std::vector<std::string> bl_chunks = Stream(*byte_level, bl_ids);
  // Lossy UTF-8: the incomplete sequence is one U+FFFD.
  CHECK(bl_chunks == std::vector<std::string>{"a", "", "", kReplacement});
}

TEST_CASE(
    "IncrementalDetokenizer: skipped special tokens inside a byte run "
    "do not end it",
    "[tokenizer]") {
  auto tokenizer = Load(testing::SpmTokenizerJson());
  // Decode drops </s>, so C3 and A9 form one run: "é".
  const Ids ids = {262, kSpmByteBase + 0xC3, 2, kSpmByteBase + 0xA9, 261};
  const std::string decoded = tokenizer->Decode(ids, true).value();
  REQUIRE(decoded == "aéb");
  CHECK(Join(Stream(*tokenizer, ids)) == decoded);
}

TEST_CASE(
    "IncrementalDetokenizer: output equals Decode with a Strip "
    "decoder that cuts across tokens",
    "[tokenizer]") {
  // Strip two leading and one trailing space: not a per-token operation,
  // so the stream must keep its whole context.
  nlohmann::json json = nlohmann::json::parse(testing::SpmTokenizerJson());
  json["decoder"]["decoders"][3]["start"] = 2;
  json["decoder"]["decoders"][3]["stop"] = 1;
  auto tokenizer = Load(json.dump());
  REQUIRE_FALSE(tokenizer->HasLocalDecoder());
  const Ids ids = {262, 259, 259, 264, 259, 259, 268, 259};
  for (bool skip : {false, true}) {
    const std::string decoded = tokenizer->Decode(ids, skip).value();
    CHECK(Join(Stream(*tokenizer, ids, skip)) == decoded);
  }
}

TEST_CASE(
    "IncrementalDetokenizer: out-of-range ids produce no text and the "
    "stream can be reused after Flush",
    "[tokenizer]") {
  auto tokenizer = Load(testing::SpmTokenizerJson());
  IncrementalDetokenizer stream(*tokenizer);
  CHECK(stream.Push(264).empty() == false);
  CHECK(stream.Push(-3).empty());
  CHECK(stream.Push(tokenizer->vocab_size()).empty());
  CHECK(stream.Flush().empty());
  // A new text: its leading space is stripped again.
  CHECK(stream.Push(268) == "hi");
}

}  // namespace
}  // namespace tandem::model
