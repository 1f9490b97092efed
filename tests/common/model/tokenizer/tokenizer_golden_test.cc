// Golden tests against Hugging Face `tokenizers` on real tokenizer files from
// ../shared/realdata (see its README.md). Skipped with a warning when that
// folder is absent (a user's clone).

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "catch2/catch.hpp"
#include "common/base/file_util.h"
#include "common/model/tokenizer/incremental_detokenizer.h"
#include "common/model/tokenizer/tokenizer.h"
#include "nlohmann/json.hpp"

namespace tandem::model {
namespace {

const std::string kTokenizersDir = std::string(TANDEM_SHARED_DIR) + "/realdata/tokenizers";
const std::string kStoriesDir = std::string(TANDEM_SHARED_DIR) + "/realdata/models/stories260K";

struct GoldenCase {
  std::string text;
  std::vector<int32_t> ids;
};

// golden.inp: texts separated by "\n__ggml_vocab_test__\n" (the trailing
// empty element dropped); golden.out: one line of space-separated ids per
// text.
std::vector<GoldenCase> ReadGolden(const std::string& dir) {
  const std::string inp = base::ReadFileToString(base::JoinPath(dir, "golden.inp")).value();
  const std::string out = base::ReadFileToString(base::JoinPath(dir, "golden.out")).value();
  std::vector<std::string> texts = absl::StrSplit(inp, "\n__ggml_vocab_test__\n");
  if (!texts.empty() && texts.back().empty()) texts.pop_back();
  std::vector<std::string> lines = absl::StrSplit(out, '\n');
  REQUIRE(lines.size() >= texts.size());
  std::vector<GoldenCase> cases;
  for (size_t i = 0; i < texts.size(); ++i) {
    GoldenCase c;
    c.text = texts[i];
    for (absl::string_view word : absl::StrSplit(lines[i], ' ', absl::SkipEmpty())) {
      int32_t id = 0;
      REQUIRE(absl::SimpleAtoi(word, &id));
      c.ids.push_back(id);
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

bool SharedDataPresent(const std::string& dir) {
  if (base::FileExists(base::JoinPath(dir, "tokenizer.json"))) return true;
  WARN("skipped: " << dir << " is absent (shared/realdata is only in CI)");
  return false;
}

// Encodes every golden text and compares with Hugging Face's ids; checks
// that decoding gives the text back when `round_trips` (byte-level BPE is
// lossless; SentencePiece-style loses leading spaces, so only texts not
// starting with whitespace are checked there).
void CheckGolden(const std::string& name, bool byte_level) {
  const std::string dir = kTokenizersDir + "/" + name;
  if (!SharedDataPresent(dir)) return;
  auto tokenizer = Tokenizer::FromDirectory(dir);
  INFO(tokenizer.status().ToString());
  REQUIRE(tokenizer.ok());
  const std::vector<GoldenCase> cases = ReadGolden(dir);
  CHECK(cases.size() == 46);
  for (const GoldenCase& c : cases) {
    INFO(name << " text: \"" << c.text << "\"");
    auto ids = (*tokenizer)->Encode(c.text, /*add_special_tokens=*/false);
    REQUIRE(ids.ok());
    CHECK(*ids == c.ids);
    auto decoded = (*tokenizer)->Decode(*ids, /*skip_special_tokens=*/false);
    REQUIRE(decoded.ok());
    const bool leading_space = !c.text.empty() && c.text[0] == ' ';
    if (byte_level || !leading_space) {
      CHECK(*decoded == c.text);
    }
    // Streaming gives the same text as Decode.
    IncrementalDetokenizer stream(**tokenizer, /*skip_special_tokens=*/false);
    std::string streamed;
    for (int32_t id : *ids) streamed += stream.Push(id);
    streamed += stream.Flush();
    CHECK(streamed == *decoded);
  }
}

TEST_CASE("Tokenizer: gpt-2 golden ids match Hugging Face", "[tokenizer]") {
  CheckGolden("gpt-2", /*byte_level=*/true);
}

TEST_CASE("Tokenizer: roberta golden ids match Hugging Face", "[tokenizer]") {
  CheckGolden("roberta", /*byte_level=*/true);
}

TEST_CASE("Tokenizer: llama3 golden ids match Hugging Face", "[tokenizer]") {
  CheckGolden("llama3", /*byte_level=*/true);
}

TEST_CASE("Tokenizer: qwen2 golden ids match Hugging Face", "[tokenizer]") {
  CheckGolden("qwen2", /*byte_level=*/true);
}

TEST_CASE("Tokenizer: llama-spm golden ids match Hugging Face", "[tokenizer]") {
  CheckGolden("llama-spm", /*byte_level=*/false);
}

TEST_CASE("Tokenizer: phi-3 golden ids match Hugging Face", "[tokenizer]") {
  CheckGolden("phi-3", /*byte_level=*/false);
}

struct SpecialCase {
  std::string name;
  std::optional<int32_t> bos;
  std::optional<int32_t> eos;
  std::vector<int32_t> prefix;  // what add_special_tokens puts around
  std::vector<int32_t> suffix;
};

TEST_CASE(
    "Tokenizer: real tokenizers' BOS/EOS and add_special_tokens "
    "follow their config, else their post-processor",
    "[tokenizer]") {
  const std::vector<SpecialCase> cases = {
      // tokenizer_config.json names <|endoftext|>; ByteLevel adds nothing.
      {"gpt-2", 50256, 50256, {}, {}},
      // No config tokens: RobertaProcessing's <s> ... </s>.
      {"roberta", 0, 2, {0}, {2}},
      // No config: TemplateProcessing "<|begin_of_text|> $A".
      {"llama3", 128000, std::nullopt, {128000}, {}},
      // bos_token null, eos_token <|im_end|>; ByteLevel adds nothing.
      {"qwen2", std::nullopt, 151645, {}, {}},
      // add_bos_token true, add_eos_token false.
      {"llama-spm", 1, 2, {1}, {}},
      // add_bos_token true although the template adds nothing.
      {"phi-3", 1, 32000, {1}, {}},
  };
  for (const SpecialCase& c : cases) {
    const std::string dir = kTokenizersDir + "/" + c.name;
    if (!SharedDataPresent(dir)) return;
    INFO(c.name);
    auto tokenizer = Tokenizer::FromDirectory(dir);
    REQUIRE(tokenizer.ok());
    CHECK((*tokenizer)->bos_id() == c.bos);
    CHECK((*tokenizer)->eos_id() == c.eos);
    auto plain = (*tokenizer)->Encode("Hello world", false);
    auto special = (*tokenizer)->Encode("Hello world", true);
    REQUIRE(plain.ok());
    REQUIRE(special.ok());
    std::vector<int32_t> expected = c.prefix;
    expected.insert(expected.end(), plain->begin(), plain->end());
    expected.insert(expected.end(), c.suffix.begin(), c.suffix.end());
    CHECK(*special == expected);
    for (int32_t id : c.prefix) CHECK((*tokenizer)->IsSpecial(id));
  }
}

std::vector<int32_t> JsonIds(const nlohmann::json& array) {
  return array.get<std::vector<int32_t>>();
}

TEST_CASE("Tokenizer: stories260K encodes with BOS as its reference", "[tokenizer]") {
  if (!SharedDataPresent(kStoriesDir)) return;
  auto tokenizer = Tokenizer::FromDirectory(kStoriesDir);
  INFO(tokenizer.status().ToString());
  REQUIRE(tokenizer.ok());
  CHECK((*tokenizer)->vocab_size() == 512);
  CHECK((*tokenizer)->bos_id() == 1);
  CHECK((*tokenizer)->eos_id() == 2);
  const auto expected = nlohmann::json::parse(
      base::ReadFileToString(base::JoinPath(kStoriesDir, "expected.json")).value());
  REQUIRE(expected["encode_cases"].size() >= 5);
  for (const auto& c : expected["encode_cases"]) {
    const std::string text = c["text"].get<std::string>();
    INFO("text: \"" << text << "\"");
    auto ids = (*tokenizer)->Encode(text, /*add_special_tokens=*/true);
    REQUIRE(ids.ok());
    CHECK(*ids == JsonIds(c["ids_with_bos"]));
  }
}

TEST_CASE(
    "Tokenizer: stories260K decodes its greedy outputs as its "
    "reference, in one go and streamed",
    "[tokenizer]") {
  if (!SharedDataPresent(kStoriesDir)) return;
  auto tokenizer = Tokenizer::FromDirectory(kStoriesDir);
  REQUIRE(tokenizer.ok());
  const auto expected = nlohmann::json::parse(
      base::ReadFileToString(base::JoinPath(kStoriesDir, "expected.json")).value());
  std::vector<std::pair<std::vector<int32_t>, std::string>> cases;
  std::vector<int32_t> ids = JsonIds(expected["prompt_ids"]);
  const std::vector<int32_t> greedy = JsonIds(expected["greedy_ids"]);
  ids.insert(ids.end(), greedy.begin(), greedy.end());
  cases.emplace_back(ids, expected["greedy_text"].get<std::string>());
  for (const auto& c : expected["prompt_cases"]) {
    std::vector<int32_t> case_ids = JsonIds(c["prompt_ids"]);
    const std::vector<int32_t> case_greedy = JsonIds(c["greedy_ids"]);
    case_ids.insert(case_ids.end(), case_greedy.begin(), case_greedy.end());
    cases.emplace_back(case_ids, c["text"].get<std::string>());
  }
  REQUIRE(cases.size() == 4);
  for (const auto& [case_ids, text] : cases) {
    auto decoded = (*tokenizer)->Decode(case_ids, /*skip_special_tokens=*/true);
    REQUIRE(decoded.ok());
    CHECK(*decoded == text);
    IncrementalDetokenizer stream(**tokenizer);
    std::string streamed;
    for (int32_t id : case_ids) streamed += stream.Push(id);
    streamed += stream.Flush();
    CHECK(streamed == text);
  }
}

}  // namespace
}  // namespace tandem::model
