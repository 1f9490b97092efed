#ifndef TANDEM_COMMON_MODEL_MODEL_CONFIG_H_
#define TANDEM_COMMON_MODEL_MODEL_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tandem::model {

// The Llama-family architectures Tandem runs. All share one forward pass
// (LlamaModel); they differ only in the flags of ModelConfig below.
enum class Architecture {
  kLlama,    // LlamaForCausalLM: Llama 2/3/3.x, TinyLlama, SmolLM
  kMistral,  // MistralForCausalLM: Llama layout (+ sliding window)
  kQwen2,    // Qwen2ForCausalLM: bias on q/k/v projections
  kQwen3,    // Qwen3ForCausalLM: per-head RMSNorm on q and k, explicit head_dim
};
absl::string_view ArchitectureName(Architecture arch);

// RoPE frequency scaling (config.json "rope_scaling").
struct RopeScaling {
  enum class Type { kNone, kLinear, kLlama3 };
  Type type = Type::kNone;
  double factor = 1.0;
  // llama3 only (Llama 3.1+): see LlamaModel's RoPE table for the formula.
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  int64_t original_max_position_embeddings = 8192;
};

// What a Hugging Face config.json says about the network's shape. Field
// names follow config.json; defaults are transformers' where a field may be
// absent.
struct ModelConfig {
  Architecture architecture = Architecture::kLlama;
  int64_t vocab_size = 0;  // embedding rows; may exceed the tokenizer's vocab
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_key_value_heads = 0;  // GQA when < num_attention_heads
  int64_t head_dim = 0;             // default hidden_size / num_attention_heads
  int64_t max_position_embeddings = 2048;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  RopeScaling rope_scaling;
  bool tie_word_embeddings = false;
  bool attention_bias = false;  // bias on q/k/v (and o for Llama's flag)
  bool o_proj_bias = false;     // Llama's attention_bias also covers o_proj
  bool mlp_bias = false;
  bool qk_norm = false;                   // Qwen3
  std::optional<int64_t> sliding_window;  // Mistral/Qwen2 when in use
  std::string torch_dtype = "float32";    // dtype the weights were saved in
  std::optional<int32_t> bos_token_id;
  std::vector<int32_t> eos_token_ids;

  int64_t n_kv_groups() const { return num_attention_heads / num_key_value_heads; }
  // Parameters of the network (embeddings counted once when tied).
  int64_t ParameterCount() const;
};

// Parses config.json text. Errors (InvalidArgument / Unimplemented) name the
// field and say what is expected, e.g. an unsupported architecture lists the
// supported ones. `source` names the file in messages.
absl::StatusOr<ModelConfig> ParseModelConfig(absl::string_view json_text, absl::string_view source);

// Reads dir/config.json.
absl::StatusOr<ModelConfig> LoadModelConfig(const std::string& dir);

// generation_config.json: special ids and the model author's sampling defaults.
struct GenerationConfig {
  std::optional<int32_t> bos_token_id;
  std::vector<int32_t> eos_token_ids;  // "eos_token_id" may be an int or a list
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<int64_t> top_k;
  std::optional<bool> do_sample;
};
absl::StatusOr<GenerationConfig> ParseGenerationConfig(absl::string_view json_text,
                                                       absl::string_view source);
// Reads dir/generation_config.json; an absent file gives an empty config.
absl::StatusOr<GenerationConfig> LoadGenerationConfig(const std::string& dir);

}  // namespace tandem::model

#endif  // TANDEM_COMMON_MODEL_MODEL_CONFIG_H_
