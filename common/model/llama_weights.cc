#include "common/model/llama_weights.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/base/status_macros.h"

namespace tandem::model {
namespace {

absl::StatusOr<at::ScalarType> TorchDType(const TensorView& view) {
  switch (view.dtype) {
    case DType::kF32:
      return at::kFloat;
    case DType::kBF16:
      return at::kBFloat16;
    case DType::kF16:
      return at::kHalf;
    default:
      return absl::UnimplementedError(absl::StrCat("tensor ", view.name, " has dtype ",
                                                   std::string(DTypeName(view.dtype)),
                                                   "; model weights must be F32, BF16 or F16"));
  }
}

// Copies one tensor out of the checkpoint (the only copy made of it), after
// checking it has the shape `expected`.
class TensorLoader {
 public:
  TensorLoader(const Checkpoint& checkpoint, at::ScalarType dtype, at::Device device)
      : checkpoint_(checkpoint), dtype_(dtype), device_(device) {}

  absl::StatusOr<at::Tensor> Load(const std::string& name, std::vector<int64_t> expected) const {
    auto view = checkpoint_.Get(name);
    if (!view.ok()) {
      return absl::NotFoundError(absl::StrCat(
          "weight ", name, " is missing from the checkpoint (", view.status().message(),
          "); is config.json's architecture right for these weights?"));
    }
    if (view->shape != expected) {
      return absl::InvalidArgumentError(
          absl::StrCat("weight ", name, " has shape [", absl::StrJoin(view->shape, ", "),
                       "] but config.json implies [", absl::StrJoin(expected, ", "), "]"));
    }
    TANDEM_ASSIGN_OR_RETURN(at::ScalarType stored, TorchDType(*view));
    // from_blob wraps the mmapped bytes without copying; .to() then makes
    // the one owned copy (clone when dtype and device already match).
    at::Tensor mapped =
        at::from_blob(const_cast<uint8_t*>(view->data), view->shape, at::TensorOptions(stored));
    if (stored == dtype_ && device_.is_cpu()) return mapped.clone();
    return mapped.to(device_, dtype_);
  }

  absl::StatusOr<at::Tensor> LoadIf(bool wanted, const std::string& name,
                                    std::vector<int64_t> expected) const {
    if (!wanted) return at::Tensor();
    return Load(name, std::move(expected));
  }

 private:
  const Checkpoint& checkpoint_;
  at::ScalarType dtype_;
  at::Device device_;
};

absl::StatusOr<LlamaLayerWeights> LoadLayer(const TensorLoader& loader, const ModelConfig& c,
                                            int64_t i) {
  const std::string p = absl::StrCat("model.layers.", i, ".");
  const int64_t q_dim = c.num_attention_heads * c.head_dim;
  const int64_t kv_dim = c.num_key_value_heads * c.head_dim;
  const int64_t h = c.hidden_size;
  const int64_t f = c.intermediate_size;
  LlamaLayerWeights w;
  TANDEM_ASSIGN_OR_RETURN(w.input_norm, loader.Load(p + "input_layernorm.weight", {h}));
  TANDEM_ASSIGN_OR_RETURN(w.q_proj, loader.Load(p + "self_attn.q_proj.weight", {q_dim, h}));
  TANDEM_ASSIGN_OR_RETURN(w.k_proj, loader.Load(p + "self_attn.k_proj.weight", {kv_dim, h}));
  TANDEM_ASSIGN_OR_RETURN(w.v_proj, loader.Load(p + "self_attn.v_proj.weight", {kv_dim, h}));
  TANDEM_ASSIGN_OR_RETURN(w.o_proj, loader.Load(p + "self_attn.o_proj.weight", {h, q_dim}));
  const bool qkv_bias = c.attention_bias;
  TANDEM_ASSIGN_OR_RETURN(w.q_bias, loader.LoadIf(qkv_bias, p + "self_attn.q_proj.bias", {q_dim}));
  TANDEM_ASSIGN_OR_RETURN(w.k_bias, loader.LoadIf(qkv_bias, p + "self_attn.k_proj.bias", {kv_dim}));
  TANDEM_ASSIGN_OR_RETURN(w.v_bias, loader.LoadIf(qkv_bias, p + "self_attn.v_proj.bias", {kv_dim}));
  TANDEM_ASSIGN_OR_RETURN(w.o_bias, loader.LoadIf(c.o_proj_bias, p + "self_attn.o_proj.bias", {h}));
  TANDEM_ASSIGN_OR_RETURN(w.q_norm,
                          loader.LoadIf(c.qk_norm, p + "self_attn.q_norm.weight", {c.head_dim}));
  TANDEM_ASSIGN_OR_RETURN(w.k_norm,
                          loader.LoadIf(c.qk_norm, p + "self_attn.k_norm.weight", {c.head_dim}));
  TANDEM_ASSIGN_OR_RETURN(w.post_attention_norm,
                          loader.Load(p + "post_attention_layernorm.weight", {h}));
  TANDEM_ASSIGN_OR_RETURN(w.gate_proj, loader.Load(p + "mlp.gate_proj.weight", {f, h}));
  TANDEM_ASSIGN_OR_RETURN(w.up_proj, loader.Load(p + "mlp.up_proj.weight", {f, h}));
  TANDEM_ASSIGN_OR_RETURN(w.down_proj, loader.Load(p + "mlp.down_proj.weight", {h, f}));
  TANDEM_ASSIGN_OR_RETURN(w.gate_bias, loader.LoadIf(c.mlp_bias, p + "mlp.gate_proj.bias", {f}));
  TANDEM_ASSIGN_OR_RETURN(w.up_bias, loader.LoadIf(c.mlp_bias, p + "mlp.up_proj.bias", {f}));
  TANDEM_ASSIGN_OR_RETURN(w.down_bias, loader.LoadIf(c.mlp_bias, p + "mlp.down_proj.bias", {h}));
  return w;
}

}  // namespace

at::Tensor RopeInverseFrequencies(const ModelConfig& config) {
  const int64_t d = config.head_dim;
  // transformers: 1 / base ** (arange(0, d, 2).float() / d), in float32.
  at::Tensor exponents = at::arange(0, d, 2, at::kLong).to(at::kFloat) / static_cast<double>(d);
  at::Tensor inv_freq = 1.0 / at::pow(config.rope_theta, exponents);
  const RopeScaling& s = config.rope_scaling;
  switch (s.type) {
    case RopeScaling::Type::kNone:
      return inv_freq;
    case RopeScaling::Type::kLinear:
      return inv_freq / s.factor;
    case RopeScaling::Type::kLlama3: {
      // Llama 3.1: wavelengths longer than original_ctx / low_freq_factor are
      // slowed by `factor`; shorter than original_ctx / high_freq_factor kept;
      // in between, interpolated with
      // smooth = (original_ctx / wavelen - low) / (high - low).
      const double original_ctx = static_cast<double>(s.original_max_position_embeddings);
      const double low_freq_wavelen = original_ctx / s.low_freq_factor;
      const double high_freq_wavelen = original_ctx / s.high_freq_factor;
      at::Tensor wavelen = 2.0 * M_PI / inv_freq;
      at::Tensor scaled = at::where(wavelen > low_freq_wavelen, inv_freq / s.factor, inv_freq);
      at::Tensor smooth =
          (original_ctx / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
      at::Tensor smoothed = (1 - smooth) * scaled / s.factor + smooth * scaled;
      at::Tensor is_medium =
          (wavelen >= high_freq_wavelen).logical_and(wavelen <= low_freq_wavelen);
      return at::where(is_medium, smoothed, scaled);
    }
  }
  return inv_freq;
}

absl::StatusOr<LlamaWeights> LoadLlamaWeights(const Checkpoint& checkpoint,
                                              const ModelConfig& config, at::ScalarType dtype,
                                              at::Device device) {
  const TensorLoader loader(checkpoint, dtype, device);
  const int64_t vocab = config.vocab_size;
  const int64_t h = config.hidden_size;
  LlamaWeights w;
  TANDEM_ASSIGN_OR_RETURN(w.embed_tokens, loader.Load("model.embed_tokens.weight", {vocab, h}));
  for (int64_t i = 0; i < config.num_hidden_layers; ++i) {
    TANDEM_ASSIGN_OR_RETURN(LlamaLayerWeights layer, LoadLayer(loader, config, i));
    w.layers.push_back(std::move(layer));
  }
  TANDEM_ASSIGN_OR_RETURN(w.final_norm, loader.Load("model.norm.weight", {h}));
  if (config.tie_word_embeddings) {
    w.lm_head = w.embed_tokens;  // transformers ties even if lm_head.weight is saved
  } else {
    TANDEM_ASSIGN_OR_RETURN(w.lm_head, loader.Load("lm_head.weight", {vocab, h}));
  }
  w.inv_freq = RopeInverseFrequencies(config).to(device);
  return w;
}

}  // namespace tandem::model
