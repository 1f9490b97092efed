#include "common/model/llama_model.h"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "common/base/file_util.h"
#include "common/spec/categorical.h"
#include "tests/testing/test_dirs.h"

namespace tandem::model {
namespace {

// Golden fixtures made by tests/tools/make_reference_fixtures.py with
// Hugging Face transformers (eager attention, float32): each case directory
// holds a model and reference.json with input_ids, the logits at every
// position, and 8 greedy continuation ids (model.generate with KV cache).
struct Reference {
  std::string dir;
  std::vector<int32_t> input_ids;
  std::vector<int32_t> greedy_ids;
  std::vector<std::vector<float>> logits;  // [n_inputs, vocab]
};

Reference LoadReference(const std::string& name) {
  Reference ref;
  ref.dir = base::JoinPath(testing::TestDataDir(), "reference/" + name);
  auto text = base::ReadFileToString(base::JoinPath(ref.dir, "reference.json"));
  REQUIRE(text.ok());
  const nlohmann::json json = nlohmann::json::parse(*text);
  ref.input_ids = json["input_ids"].get<std::vector<int32_t>>();
  ref.greedy_ids = json["greedy_ids"].get<std::vector<int32_t>>();
  ref.logits = json["logits"].get<std::vector<std::vector<float>>>();
  return ref;
}

std::unique_ptr<LlamaModel> LoadModel(const std::string& dir,
                                      const std::string& dtype = "float32") {
  LlamaModelOptions options;
  options.model_dir = dir;
  options.dtype = dtype;
  auto model = LlamaModel::Load(options);
  INFO(model.status().message());
  REQUIRE(model.ok());
  return std::move(*model);
}

double MaxAbsDiff(absl::Span<const float> a, absl::Span<const float> b) {
  REQUIRE(a.size() == b.size());
  double diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff = std::max(diff, std::abs(double{a[i]} - b[i]));
  return diff;
}

const char* const kCases[] = {"llama_mha", "llama_gqa_tied", "llama3_rope_scaling", "mistral",
                              "qwen2",     "qwen3",          "llama_bf16"};

TEST_CASE("LlamaModel: logits match transformers within 1e-4 for every architecture",
          "[model][forward]") {
  for (const char* name : kCases) {
    SECTION(name) {
      const Reference ref = LoadReference(name);
      auto model = LoadModel(ref.dir);
      auto cache = model->NewCache(64);
      REQUIRE(cache.ok());
      auto logits = model->Forward(ref.input_ids, **cache);
      REQUIRE(logits.ok());
      REQUIRE(logits->n_rows == static_cast<int64_t>(ref.input_ids.size()));
      for (size_t i = 0; i < ref.logits.size(); ++i) {
        INFO("position " << i);
        CHECK(MaxAbsDiff(logits->Row(i), ref.logits[i]) < 1e-4);
      }
    }
  }
}

TEST_CASE("LlamaModel: greedy decoding with the KV cache reproduces transformers' generate",
          "[model][forward]") {
  for (const char* name : kCases) {
    SECTION(name) {
      const Reference ref = LoadReference(name);
      auto model = LoadModel(ref.dir);
      auto cache = model->NewCache(64);
      REQUIRE(cache.ok());
      std::vector<int32_t> input = ref.input_ids, generated;
      for (size_t step = 0; step < ref.greedy_ids.size(); ++step) {
        auto logits = model->Forward(input, **cache, LogitRows::kLast);
        REQUIRE(logits.ok());
        generated.push_back(spec::Argmax(logits->Row(0)));
        input = {generated.back()};
      }
      CHECK(generated == ref.greedy_ids);
    }
  }
}

TEST_CASE("LlamaModel: prefill then one-token decode equals one full forward",
          "[model][forward][kv]") {
  const Reference ref = LoadReference("llama3_rope_scaling");
  auto model = LoadModel(ref.dir);
  auto full_cache = model->NewCache(64);
  auto step_cache = model->NewCache(64);
  REQUIRE(full_cache.ok());
  REQUIRE(step_cache.ok());
  auto full = model->Forward(ref.input_ids, **full_cache);
  REQUIRE(full.ok());
  // Prefill 5 tokens, then 3 at once (a verify step), then one at a time.
  const absl::Span<const int32_t> ids(ref.input_ids);
  std::vector<absl::Span<const int32_t>> pieces = {ids.subspan(0, 5), ids.subspan(5, 3)};
  for (size_t i = 8; i < ids.size(); ++i) pieces.push_back(ids.subspan(i, 1));
  int64_t row = 0;
  for (absl::Span<const int32_t> piece : pieces) {
    auto logits = model->Forward(piece, **step_cache);
    REQUIRE(logits.ok());
    for (int64_t r = 0; r < logits->n_rows; ++r, ++row) {
      INFO("position " << row);
      CHECK(MaxAbsDiff(logits->Row(r), full->Row(row)) < 1e-5);
    }
  }
  CHECK((*step_cache)->length() == static_cast<int64_t>(ids.size()));
}

TEST_CASE("KvCache: truncate then re-append gives the same logits", "[model][kv]") {
  const Reference ref = LoadReference("qwen2");
  auto model = LoadModel(ref.dir);
  auto cache = model->NewCache(32);
  REQUIRE(cache.ok());
  const absl::Span<const int32_t> ids(ref.input_ids);
  auto original = model->Forward(ids, **cache);
  REQUIRE(original.ok());
  // Roll back to 4 tokens, append a different (rejected) continuation,
  // roll back again and append the original tail.
  REQUIRE((*cache)->Truncate(4).ok());
  CHECK((*cache)->length() == 4);
  const std::vector<int32_t> wrong = {1, 2, 3, 4, 5};
  REQUIRE(model->Forward(wrong, **cache).ok());
  REQUIRE((*cache)->Truncate(4).ok());
  auto again = model->Forward(ids.subspan(4), **cache);
  REQUIRE(again.ok());
  for (int64_t r = 0; r < again->n_rows; ++r) {
    CHECK(MaxAbsDiff(again->Row(r), original->Row(r + 4)) < 1e-5);
  }
}

TEST_CASE("KvCache: byte accounting and bounds", "[model][kv]") {
  const Reference ref = LoadReference("llama_gqa_tied");
  auto model = LoadModel(ref.dir);
  const ModelConfig& c = model->config();
  auto cache = model->NewCache(16);
  REQUIRE(cache.ok());
  // [layers, 2, kv_heads, 16, head_dim] float32.
  const int64_t expected = c.num_hidden_layers * 2 * c.num_key_value_heads * 16 * c.head_dim * 4;
  CHECK((*cache)->reserved_bytes() == expected);
  CHECK((*cache)->used_bytes() == 0);
  REQUIRE(model->Forward(std::vector<int32_t>{1, 2, 3, 4}, **cache).ok());
  CHECK((*cache)->used_bytes() == expected / 4);
  CHECK_FALSE((*cache)->Truncate(5).ok());
  CHECK_FALSE((*cache)->Truncate(-1).ok());

  auto overflow = model->Forward(std::vector<int32_t>(13, 1), **cache);
  REQUIRE_FALSE(overflow.ok());
  CHECK(overflow.status().code() == absl::StatusCode::kResourceExhausted);
  CHECK((*cache)->length() == 4);  // unchanged on error

  auto out_of_range =
      model->Forward(std::vector<int32_t>{static_cast<int32_t>(c.vocab_size)}, **cache);
  REQUIRE_FALSE(out_of_range.ok());
  CHECK_THAT(std::string(out_of_range.status().message()),
             Catch::Contains(std::to_string(c.vocab_size)));
  CHECK_FALSE(model->NewCache(c.max_position_embeddings + 1).ok());
}

TEST_CASE("LlamaModel: many sequences share one model independently", "[model][kv]") {
  const Reference ref = LoadReference("llama_mha");
  auto model = LoadModel(ref.dir);
  auto a = model->NewCache(32);
  auto b = model->NewCache(32);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  const absl::Span<const int32_t> ids(ref.input_ids);
  // Interleave the two sequences: b runs other tokens in between.
  REQUIRE(model->Forward(ids.subspan(0, 3), **a).ok());
  REQUIRE(model->Forward(std::vector<int32_t>{7, 8, 9, 10}, **b).ok());
  auto rest = model->Forward(ids.subspan(3), **a);
  REQUIRE(rest.ok());
  for (int64_t r = 0; r < rest->n_rows; ++r) {
    CHECK(MaxAbsDiff(rest->Row(r), ref.logits[r + 3]) < 1e-4);
  }
}

TEST_CASE("LlamaModel: bfloat16 compute stays close to float32", "[model][forward]") {
  // bf16 keeps 8 bits of mantissa; on these small random models logits of
  // magnitude ~1-10 stay within ~0.1 of the fp32 reference.
  const Reference ref = LoadReference("llama_bf16");
  auto model = LoadModel(ref.dir, "bfloat16");
  auto cache = model->NewCache(32);
  REQUIRE(cache.ok());
  auto logits = model->Forward(ref.input_ids, **cache);
  REQUIRE(logits.ok());
  for (size_t i = 0; i < ref.logits.size(); ++i) {
    CHECK(MaxAbsDiff(logits->Row(i), ref.logits[i]) < 0.25);
  }
}

TEST_CASE("LlamaModel: load errors name the problem", "[model][load]") {
  LlamaModelOptions options;
  options.model_dir = "/nonexistent/model";
  auto missing = LlamaModel::Load(options);
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(std::string(missing.status().message()), Catch::Contains("/nonexistent/model"));

  options.model_dir = base::JoinPath(testing::TestDataDir(), "reference/llama_mha");
  options.dtype = "float16";
  auto fp16 = LlamaModel::Load(options);
  REQUIRE_FALSE(fp16.ok());
  CHECK_THAT(std::string(fp16.status().message()), Catch::Contains("float16"));

  options.dtype = "float32";
  options.device = "cuda:0";
  if (!LlamaModel::Load(options).ok()) {  // CPU-only libtorch: a clear refusal
    CHECK_THAT(std::string(LlamaModel::Load(options).status().message()), Catch::Contains("CUDA"));
  }
}

TEST_CASE("LlamaModel: a weight whose shape disagrees with config.json is named", "[model][load]") {
  const std::string dir = testing::MakeTempDir();
  REQUIRE_FALSE(dir.empty());
  const std::string source = base::JoinPath(testing::TestDataDir(), "reference/llama_mha");
  auto config = base::ReadFileToString(base::JoinPath(source, "config.json"));
  auto weights = base::ReadFileToString(base::JoinPath(source, "model.safetensors"));
  REQUIRE(config.ok());
  REQUIRE(weights.ok());
  nlohmann::json json = nlohmann::json::parse(*config);
  json["intermediate_size"] = json["intermediate_size"].get<int>() + 2;
  REQUIRE(base::WriteStringToFile(base::JoinPath(dir, "config.json"), json.dump()).ok());
  REQUIRE(base::WriteStringToFile(base::JoinPath(dir, "model.safetensors"), *weights).ok());
  LlamaModelOptions options;
  options.model_dir = dir;
  auto model = LlamaModel::Load(options);
  REQUIRE_FALSE(model.ok());
  CHECK_THAT(std::string(model.status().message()),
             Catch::Contains("model.layers.0.mlp.gate_proj.weight") && Catch::Contains("shape"));
}

TEST_CASE("LlamaModel: the CUDA path gives the CPU logits", "[model][gpu]") {
  // Skipped where libtorch has no CUDA (Debian's is CPU-only): Load refuses
  // the device with FailedPrecondition naming CUDA.
  const Reference ref = LoadReference("qwen3");
  LlamaModelOptions options;
  options.model_dir = ref.dir;
  options.device = "cuda:0";
  auto model = LlamaModel::Load(options);
  if (!model.ok() && model.status().code() == absl::StatusCode::kFailedPrecondition) {
    WARN("skipped: " << model.status().message());
    return;
  }
  REQUIRE(model.ok());
  auto cache = (*model)->NewCache(32);
  REQUIRE(cache.ok());
  auto logits = (*model)->Forward(ref.input_ids, **cache);
  REQUIRE(logits.ok());
  for (size_t i = 0; i < ref.logits.size(); ++i) {
    CHECK(MaxAbsDiff(logits->Row(i), ref.logits[i]) < 1e-3);  // TF32/cuBLAS rounding
  }
}

}  // namespace
}  // namespace tandem::model
