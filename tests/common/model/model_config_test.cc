#include "common/model/model_config.h"

#include <string>

#include "catch2/catch.hpp"

namespace tandem::model {
namespace {

// A minimal valid Llama config; tests edit it textually.
std::string LlamaJson(const std::string& extra = "") {
  return R"({"architectures": ["LlamaForCausalLM"], "vocab_size": 100,
    "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
    "num_attention_heads": 8)" +
         extra + "}";
}

std::string Message(const absl::Status& s) { return std::string(s.message()); }

TEST_CASE("ParseModelConfig: defaults follow transformers", "[model][config]") {
  auto c = ParseModelConfig(LlamaJson(), "config.json");
  REQUIRE(c.ok());
  CHECK(c->architecture == Architecture::kLlama);
  CHECK(c->num_key_value_heads == 8);  // defaults to num_attention_heads
  CHECK(c->head_dim == 8);             // hidden / heads
  CHECK(c->rope_theta == 10000.0);
  CHECK(c->rope_scaling.type == RopeScaling::Type::kNone);
  CHECK_FALSE(c->tie_word_embeddings);
  CHECK_FALSE(c->attention_bias);
  CHECK_FALSE(c->qk_norm);
}

TEST_CASE("ParseModelConfig: unknown architecture names itself and the supported ones",
          "[model][config]") {
  auto c = ParseModelConfig(R"({"architectures": ["GPT2LMHeadModel"]})", "x/config.json");
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().code() == absl::StatusCode::kUnimplemented);
  CHECK_THAT(Message(c.status()), Catch::Contains("GPT2LMHeadModel") &&
                                      Catch::Contains("Qwen3ForCausalLM") &&
                                      Catch::Contains("x/config.json"));
}

TEST_CASE("ParseModelConfig: missing or malformed fields are named", "[model][config]") {
  auto missing = ParseModelConfig(R"({"architectures": ["LlamaForCausalLM"], "vocab_size": 10})",
                                  "config.json");
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(Message(missing.status()), Catch::Contains("hidden_size"));

  auto bad_type = ParseModelConfig(LlamaJson(R"(, "rms_norm_eps": "small")"), "config.json");
  REQUIRE_FALSE(bad_type.ok());
  CHECK_THAT(Message(bad_type.status()), Catch::Contains("rms_norm_eps"));

  auto gqa = ParseModelConfig(LlamaJson(R"(, "num_key_value_heads": 3)"), "config.json");
  REQUIRE_FALSE(gqa.ok());
  CHECK_THAT(Message(gqa.status()), Catch::Contains("num_key_value_heads"));

  auto not_json = ParseModelConfig("{\"architectures\": [", "config.json");
  REQUIRE_FALSE(not_json.ok());
  CHECK_THAT(Message(not_json.status()), Catch::Contains("not valid JSON"));

  auto act = ParseModelConfig(LlamaJson(R"(, "hidden_act": "gelu")"), "config.json");
  REQUIRE_FALSE(act.ok());
  CHECK_THAT(Message(act.status()), Catch::Contains("gelu"));
}

TEST_CASE("ParseModelConfig: llama3 rope scaling in either spelling", "[model][config]") {
  auto old_style = ParseModelConfig(
      LlamaJson(R"(, "rope_theta": 500000.0, "rope_scaling": {"rope_type": "llama3",
        "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
        "original_max_position_embeddings": 8192})"),
      "config.json");
  REQUIRE(old_style.ok());
  CHECK(old_style->rope_scaling.type == RopeScaling::Type::kLlama3);
  CHECK(old_style->rope_scaling.factor == 8.0);
  CHECK(old_style->rope_theta == 500000.0);

  auto new_style = ParseModelConfig(
      LlamaJson(R"(, "rope_parameters": {"rope_type": "llama3", "rope_theta": 500000.0,
        "factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
        "original_max_position_embeddings": 8192})"),
      "config.json");
  REQUIRE(new_style.ok());
  CHECK(new_style->rope_scaling.factor == 32.0);
  CHECK(new_style->rope_theta == 500000.0);

  auto yarn = ParseModelConfig(LlamaJson(R"(, "rope_scaling": {"type": "yarn", "factor": 4.0})"),
                               "config.json");
  REQUIRE_FALSE(yarn.ok());
  CHECK_THAT(Message(yarn.status()), Catch::Contains("yarn"));
}

TEST_CASE("ParseModelConfig: Qwen2 has qkv bias, Qwen3 q/k norm and explicit head_dim",
          "[model][config]") {
  auto qwen2 = ParseModelConfig(
      R"({"architectures": ["Qwen2ForCausalLM"], "vocab_size": 151936, "hidden_size": 896,
          "intermediate_size": 4864, "num_hidden_layers": 24, "num_attention_heads": 14,
          "num_key_value_heads": 2, "tie_word_embeddings": true,
          "sliding_window": 32768, "use_sliding_window": false})",
      "config.json");
  REQUIRE(qwen2.ok());
  CHECK(qwen2->attention_bias);
  CHECK_FALSE(qwen2->o_proj_bias);
  CHECK(qwen2->tie_word_embeddings);
  CHECK(qwen2->n_kv_groups() == 7);
  CHECK_FALSE(qwen2->sliding_window.has_value());

  auto qwen3 = ParseModelConfig(
      R"({"architectures": ["Qwen3ForCausalLM"], "vocab_size": 1000, "hidden_size": 32,
          "intermediate_size": 64, "num_hidden_layers": 1, "num_attention_heads": 4,
          "num_key_value_heads": 2, "head_dim": 16})",
      "config.json");
  REQUIRE(qwen3.ok());
  CHECK(qwen3->qk_norm);
  CHECK(qwen3->head_dim == 16);
}

TEST_CASE("ParseGenerationConfig: eos may be an int or a list", "[model][config]") {
  auto single = ParseGenerationConfig(R"({"bos_token_id": 1, "eos_token_id": 2})", "g.json");
  REQUIRE(single.ok());
  CHECK(single->eos_token_ids == std::vector<int32_t>{2});
  CHECK(single->bos_token_id == 1);
  auto list = ParseGenerationConfig(
      R"({"eos_token_id": [128001, 128008, 128009], "temperature": 0.6})", "g.json");
  REQUIRE(list.ok());
  CHECK(list->eos_token_ids == std::vector<int32_t>{128001, 128008, 128009});
  CHECK(list->temperature == 0.6);
  auto bad = ParseGenerationConfig(R"({"eos_token_id": ["x"]})", "g.json");
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(Message(bad.status()), Catch::Contains("eos_token_id"));
}

TEST_CASE("ModelConfig: parameter count of a known shape", "[model][config]") {
  // stories260K: 260,032 parameters (tied embeddings), from its README.
  auto c = ParseModelConfig(
      R"({"architectures": ["LlamaForCausalLM"], "vocab_size": 512, "hidden_size": 64,
          "intermediate_size": 172, "num_hidden_layers": 5, "num_attention_heads": 8,
          "num_key_value_heads": 4, "tie_word_embeddings": true})",
      "config.json");
  REQUIRE(c.ok());
  CHECK(c->ParameterCount() == 260032);
}

}  // namespace
}  // namespace tandem::model
