#ifndef TANDEM_COMMON_MODEL_LLAMA_MODEL_H_
#define TANDEM_COMMON_MODEL_LLAMA_MODEL_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "common/model/emulated_forward_cost.h"
#include "common/model/kv_cache.h"
#include "common/model/logits.h"
#include "common/model/model_config.h"

namespace tandem::model {

struct LlamaWeights;  // torch tensors; llama_weights.h (model-internal)

struct LlamaModelOptions {
  std::string model_dir;  // a Hugging Face model directory
  // Compute dtype: "float32" or "bfloat16" (fp16 weights are widened: libtorch
  // 1.13 has no fp16 matmul on CPU).
  std::string dtype = "float32";
  // "cpu", or "cuda"/"cuda:N" when libtorch was built with CUDA.
  std::string device = "cpu";
  // Benchmarks only: pad every Forward to a larger model's cost (off).
  EmulatedForwardCost emulated_cost;

  absl::Status Validate() const;
};

// Which positions Forward returns logits for.
enum class LogitRows {
  kAll,   // every new position (verification of draft tokens)
  kLast,  // only the last one (prefill, plain decoding): saves vocab x n work
};

// Inference-only forward pass of the Llama family (Llama 2/3/3.x, Mistral,
// Qwen2, Qwen3): token embedding, per layer RMSNorm -> GQA attention with
// RoPE (Hugging Face rotate_half layout) against the KV cache -> residual ->
// RMSNorm -> SwiGLU MLP -> residual; final RMSNorm and LM head. The numerics
// follow transformers' eager implementation (RMSNorm variance and softmax in
// float32).
//
// Thread safety: the weights are read-only after Load, so Forward may run
// concurrently on distinct KvCaches.
class LlamaModel {
 public:
  // Reads config.json and the safetensors weights (single or sharded) of
  // options.model_dir, each tensor copied once from the mmapped file into
  // its compute-dtype tensor. Errors name the file or tensor at fault.
  static absl::StatusOr<std::unique_ptr<LlamaModel>> Load(const LlamaModelOptions& options);
  ~LlamaModel();

  const ModelConfig& config() const { return config_; }
  const LlamaModelOptions& options() const { return options_; }

  // A cache for one sequence of up to `max_tokens` tokens (preallocated).
  // InvalidArgument if max_tokens exceeds max_position_embeddings.
  absl::StatusOr<std::unique_ptr<KvCache>> NewCache(int64_t max_tokens) const;

  // Runs `tokens` at positions [cache.length(), cache.length() + n), appends
  // their keys/values to `cache`, and returns next-token logits ([n, vocab],
  // or [1, vocab] for kLast). Token ids must be in [0, vocab_size);
  // ResourceExhausted if the cache would overflow. On error the cache is
  // unchanged. With options.emulated_cost, returns no sooner than that cost.
  absl::StatusOr<Logits> Forward(absl::Span<const int32_t> tokens, KvCache& cache,
                                 LogitRows rows = LogitRows::kAll) const;

  // Bytes of the weights as held for compute (tied embeddings counted once).
  int64_t weight_bytes() const;

 private:
  LlamaModel(LlamaModelOptions options, ModelConfig config, std::unique_ptr<LlamaWeights> weights);

  LlamaModelOptions options_;
  ModelConfig config_;
  std::unique_ptr<LlamaWeights> weights_;
};

}  // namespace tandem::model

#endif  // TANDEM_COMMON_MODEL_LLAMA_MODEL_H_
