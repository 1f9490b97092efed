#ifndef TANDEM_BENCH_MAKE_MODEL_RANDOM_MODEL_H_
#define TANDEM_BENCH_MAKE_MODEL_RANDOM_MODEL_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "common/model/model_config.h"

namespace tandem::tools {

// What tandem-make-model writes: a Hugging Face model directory with random
// weights (config.json, model.safetensors, generation_config.json) and a
// byte-level tokenizer (tokenizer.json with 256 byte tokens plus BOS/EOS,
// tokenizer_config.json). Used for tests, benchmarks and as a stand-in until
// a trained model exists; real models load through exactly the same code.
struct RandomModelSpec {
  model::Architecture architecture = model::Architecture::kLlama;
  int64_t vocab_size = 258;  // >= 258 (256 bytes + BOS + EOS); extra rows = padded vocab
  int64_t hidden_size = 64;
  int64_t intermediate_size = 172;
  int64_t num_hidden_layers = 2;
  int64_t num_attention_heads = 4;
  int64_t num_key_value_heads = 2;
  int64_t head_dim = 0;  // 0 = hidden_size / num_attention_heads
  int64_t max_position_embeddings = 2048;
  bool tie_word_embeddings = false;
  bool llama3_rope_scaling = false;  // adds rope_scaling type llama3
  std::string dtype = "float32";     // "float32" or "bfloat16" on disk
  double init_std = 0.02;            // weights ~ N(0, init_std^2); norms = 1
  uint64_t seed = 0;

  absl::Status Validate() const;
};

// Named presets: "tiny" (the default above), "100m" (a ~110M-parameter
// Llama: hidden 768, 12 layers, 12 heads, 4 kv heads, vocab 32000).
absl::StatusOr<RandomModelSpec> RandomModelPreset(const std::string& name);

// Writes the directory (created if needed; existing files are replaced).
// The same spec and seed give byte-identical files.
absl::Status WriteRandomModel(const RandomModelSpec& spec, const std::string& out_dir);

// The byte-level tokenizer.json / tokenizer_config.json written above.
std::string ByteLevelTokenizerJson();
std::string ByteLevelTokenizerConfigJson();

}  // namespace tandem::tools

#endif  // TANDEM_BENCH_MAKE_MODEL_RANDOM_MODEL_H_
