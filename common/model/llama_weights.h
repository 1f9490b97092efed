#ifndef TANDEM_COMMON_MODEL_LLAMA_WEIGHTS_H_
#define TANDEM_COMMON_MODEL_LLAMA_WEIGHTS_H_

// Model-internal: includes torch. Only common/model .cc files include this.

#include <ATen/ATen.h>

#include <vector>

#include "absl/status/statusor.h"
#include "common/model/checkpoint.h"
#include "common/model/model_config.h"

namespace tandem::model {

// One decoder layer's parameters; optional ones are undefined tensors when
// the architecture has none. Linear weights are [out, in] as in nn.Linear.
struct LlamaLayerWeights {
  at::Tensor input_norm;           // [hidden]
  at::Tensor q_proj, q_bias;       // [n_heads * head_dim, hidden], [n_heads * head_dim]
  at::Tensor k_proj, k_bias;       // [n_kv_heads * head_dim, hidden], [n_kv_heads * head_dim]
  at::Tensor v_proj, v_bias;       // [n_kv_heads * head_dim, hidden], [n_kv_heads * head_dim]
  at::Tensor o_proj, o_bias;       // [hidden, n_heads * head_dim], [hidden]
  at::Tensor q_norm, k_norm;       // [head_dim] (Qwen3)
  at::Tensor post_attention_norm;  // [hidden]
  at::Tensor gate_proj, up_proj;   // [intermediate, hidden]
  at::Tensor down_proj;            // [hidden, intermediate]
  at::Tensor gate_bias, up_bias, down_bias;  // mlp_bias only
};

struct LlamaWeights {
  at::Tensor embed_tokens;  // [vocab, hidden]
  std::vector<LlamaLayerWeights> layers;
  at::Tensor final_norm;  // [hidden]
  at::Tensor lm_head;     // [vocab, hidden]; aliases embed_tokens when tied
  at::Tensor inv_freq;    // [head_dim / 2] float32, RoPE frequencies after scaling
};

// Copies every tensor the config calls for out of `checkpoint` into `dtype`
// on `device`, checking names and shapes. Errors name the tensor, the
// expected and the found shape.
absl::StatusOr<LlamaWeights> LoadLlamaWeights(const Checkpoint& checkpoint,
                                              const ModelConfig& config, at::ScalarType dtype,
                                              at::Device device);

// RoPE inverse frequencies theta^(-2i/d), i < d/2, in float32 computed as
// transformers does, then scaled per config.rope_scaling (linear: / factor;
// llama3: Llama 3.1's piecewise wavelength rule).
at::Tensor RopeInverseFrequencies(const ModelConfig& config);

}  // namespace tandem::model

#endif  // TANDEM_COMMON_MODEL_LLAMA_WEIGHTS_H_
