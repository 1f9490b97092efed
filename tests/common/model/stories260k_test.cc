// End-to-end check of the model runtime on a real pretrained model:
// Karpathy's stories260K (llama2.c, TinyStories) converted to a Hugging Face
// directory in ../shared/realdata/models/stories260K, with its documented
// greedy output in expected.json (see that folder's README).

#include <nlohmann/json.hpp>

#include "catch2/catch.hpp"
#include "common/base/file_util.h"
#include "common/model/llama_model.h"
#include "common/model/tokenizer/tokenizer.h"
#include "common/spec/categorical.h"
#include "tests/testing/test_dirs.h"

namespace tandem::model {
namespace {

std::string ModelDir() {
  return base::JoinPath(testing::SharedRealDataDir(), "models/stories260K");
}

nlohmann::json Expected() {
  auto text = base::ReadFileToString(base::JoinPath(ModelDir(), "expected.json"));
  REQUIRE(text.ok());
  return nlohmann::json::parse(*text);
}

std::unique_ptr<LlamaModel> LoadStories() {
  LlamaModelOptions options;
  options.model_dir = ModelDir();
  auto model = LlamaModel::Load(options);
  INFO(model.status().message());
  REQUIRE(model.ok());
  return std::move(*model);
}

// Greedy continuation of `prompt` for n tokens, with the KV cache.
std::vector<int32_t> Greedy(const LlamaModel& model, std::vector<int32_t> prompt, size_t n) {
  auto cache = model.NewCache(512);
  REQUIRE(cache.ok());
  std::vector<int32_t> out;
  while (out.size() < n) {
    auto logits = model.Forward(prompt, **cache, LogitRows::kLast);
    REQUIRE(logits.ok());
    out.push_back(spec::Argmax(logits->Row(0)));
    prompt = {out.back()};
  }
  return out;
}

TEST_CASE("stories260K: first-step logits match the float64 reference", "[model][realdata]") {
  if (!testing::SharedDataAvailable()) {
    WARN("skipped: ../shared/realdata is not beside this checkout");
    return;
  }
  const nlohmann::json expected = Expected();
  auto model = LoadStories();
  auto cache = model->NewCache(8);
  REQUIRE(cache.ok());
  auto logits = model->Forward(std::vector<int32_t>{1}, **cache);
  REQUIRE(logits.ok());
  // README: float32 reproduces the logits to about 1e-4 (measured 2e-5).
  for (const auto& entry : expected["logits_first_step_top5"]) {
    const int32_t id = entry[0].get<int32_t>();
    CHECK(std::abs(logits->Row(0)[id] - entry[1].get<double>()) < 1e-4);
  }
}

TEST_CASE("stories260K: 200 greedy tokens from BOS reproduce the documented story",
          "[model][realdata]") {
  if (!testing::SharedDataAvailable()) {
    WARN("skipped: ../shared/realdata is not beside this checkout");
    return;
  }
  const nlohmann::json expected = Expected();
  auto model = LoadStories();
  const auto greedy_ids = expected["greedy_ids"].get<std::vector<int32_t>>();
  const std::vector<int32_t> generated =
      Greedy(*model, expected["prompt_ids"].get<std::vector<int32_t>>(), greedy_ids.size());
  CHECK(generated == greedy_ids);

  auto tokenizer = Tokenizer::FromDirectory(ModelDir());
  REQUIRE(tokenizer.ok());
  auto text = (*tokenizer)->Decode(generated, /*skip_special_tokens=*/true);
  REQUIRE(text.ok());
  CHECK(*text == expected["greedy_text"].get<std::string>());
}

TEST_CASE("stories260K: prompted greedy runs match, text in and text out", "[model][realdata]") {
  if (!testing::SharedDataAvailable()) {
    WARN("skipped: ../shared/realdata is not beside this checkout");
    return;
  }
  const nlohmann::json expected = Expected();
  auto model = LoadStories();
  auto tokenizer = Tokenizer::FromDirectory(ModelDir());
  REQUIRE(tokenizer.ok());
  for (const auto& c : expected["prompt_cases"]) {
    const std::string prompt = c["prompt"].get<std::string>();
    INFO(prompt);
    auto prompt_ids = (*tokenizer)->Encode(prompt, /*add_special_tokens=*/true);
    REQUIRE(prompt_ids.ok());
    CHECK(*prompt_ids == c["prompt_ids"].get<std::vector<int32_t>>());
    const auto expected_ids = c["greedy_ids"].get<std::vector<int32_t>>();
    std::vector<int32_t> all = *prompt_ids;
    const std::vector<int32_t> generated = Greedy(*model, *prompt_ids, expected_ids.size());
    CHECK(generated == expected_ids);
    all.insert(all.end(), generated.begin(), generated.end());
    auto text = (*tokenizer)->Decode(all, /*skip_special_tokens=*/true);
    REQUIRE(text.ok());
    CHECK(*text == c["text"].get<std::string>());
  }
}

}  // namespace
}  // namespace tandem::model
