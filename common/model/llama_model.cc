#include "common/model/llama_model.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <c10/util/Exception.h>

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base/status_macros.h"
#include "common/model/checkpoint.h"
#include "common/model/kv_storage.h"
#include "common/model/llama_weights.h"

namespace tandem::model {
namespace {

absl::StatusOr<at::ScalarType> ParseComputeDType(const std::string& name) {
  if (name == "float32" || name == "fp32") return at::kFloat;
  if (name == "bfloat16" || name == "bf16") return at::kBFloat16;
  return absl::InvalidArgumentError(absl::StrCat("dtype \"", name,
                                                 "\" is not supported; use float32 or bfloat16 "
                                                 "(fp16 weights are computed in one of these)"));
}

absl::StatusOr<at::Device> ParseDevice(const std::string& name) {
  try {
    at::Device device(name);
    if (device.is_cuda() && !at::hasCUDA()) {
      return absl::FailedPreconditionError(
          absl::StrCat("device \"", name,
                       "\" requested but this libtorch has no CUDA "
                       "support; use --device=cpu or a CUDA build of libtorch"));
    }
    if (!device.is_cpu() && !device.is_cuda()) {
      return absl::InvalidArgumentError(
          absl::StrCat("device \"", name, "\": only cpu and cuda are supported"));
    }
    return device;
  } catch (const c10::Error& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("device \"", name, "\" is not a device name (try cpu or cuda:0)"));
  }
}

// y = x / sqrt(mean(x^2) + eps) * weight, the variance taken in float32 and
// the normalised value cast back before the weight multiply, as in
// transformers' LlamaRMSNorm.
at::Tensor RmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps) {
  at::Tensor x32 = x.to(at::kFloat);
  at::Tensor variance = x32.pow(2).mean(-1, /*keepdim=*/true);
  return weight * (x32 * at::rsqrt(variance + eps)).to(x.scalar_type());
}

// rotate_half(x) = cat(-x[..., d/2:], x[..., :d/2]).
at::Tensor RotateHalf(const at::Tensor& x) {
  const int64_t half = x.size(-1) / 2;
  return at::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
}

at::Tensor Linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  return b.defined() ? at::linear(x, w, b) : at::linear(x, w);
}

}  // namespace

absl::Status LlamaModelOptions::Validate() const {
  if (model_dir.empty()) {
    return absl::InvalidArgumentError("no model directory given (--model DIR)");
  }
  TANDEM_RETURN_IF_ERROR(ParseComputeDType(dtype).status());
  return ParseDevice(device).status();
}

LlamaModel::LlamaModel(LlamaModelOptions options, ModelConfig config,
                       std::unique_ptr<LlamaWeights> weights)
    : options_(std::move(options)), config_(std::move(config)), weights_(std::move(weights)) {}

LlamaModel::~LlamaModel() = default;

absl::StatusOr<std::unique_ptr<LlamaModel>> LlamaModel::Load(const LlamaModelOptions& options) {
  TANDEM_RETURN_IF_ERROR(options.Validate());
  TANDEM_ASSIGN_OR_RETURN(at::ScalarType dtype, ParseComputeDType(options.dtype));
  TANDEM_ASSIGN_OR_RETURN(at::Device device, ParseDevice(options.device));
  TANDEM_ASSIGN_OR_RETURN(ModelConfig config, LoadModelConfig(options.model_dir));
  TANDEM_ASSIGN_OR_RETURN(auto checkpoint, Checkpoint::OpenDirectory(options.model_dir));
  try {
    c10::InferenceMode inference;
    TANDEM_ASSIGN_OR_RETURN(LlamaWeights weights,
                            LoadLlamaWeights(*checkpoint, config, dtype, device));
    return std::unique_ptr<LlamaModel>(new LlamaModel(
        options, std::move(config), std::make_unique<LlamaWeights>(std::move(weights))));
  } catch (const c10::Error& e) {
    return absl::InternalError(absl::StrCat("loading ", options.model_dir,
                                            ": libtorch error: ", e.what_without_backtrace()));
  }
}

absl::StatusOr<std::unique_ptr<KvCache>> LlamaModel::NewCache(int64_t max_tokens) const {
  if (max_tokens <= 0 || max_tokens > config_.max_position_embeddings) {
    return absl::InvalidArgumentError(absl::StrCat("KV cache size ", max_tokens, " must be in [1, ",
                                                   config_.max_position_embeddings,
                                                   "] (max_position_embeddings)"));
  }
  try {
    c10::InferenceMode inference;
    auto storage = std::make_unique<KvStorage>();
    const at::Tensor& like = weights_->embed_tokens;
    storage->kv = at::zeros(
        {config_.num_hidden_layers, 2, config_.num_key_value_heads, max_tokens, config_.head_dim},
        like.options());
    storage->capacity = max_tokens;
    return std::make_unique<KvCache>(std::move(storage));
  } catch (const c10::Error& e) {
    return absl::ResourceExhaustedError(absl::StrCat("cannot allocate a KV cache of ", max_tokens,
                                                     " tokens: ", e.what_without_backtrace()));
  }
}

int64_t LlamaModel::weight_bytes() const {
  auto bytes = [](const at::Tensor& t) {
    return t.defined() ? t.numel() * static_cast<int64_t>(t.element_size()) : 0;
  };
  int64_t total = bytes(weights_->embed_tokens) + bytes(weights_->final_norm);
  if (!config_.tie_word_embeddings) total += bytes(weights_->lm_head);
  for (const LlamaLayerWeights& l : weights_->layers) {
    for (const at::Tensor* t :
         {&l.input_norm, &l.q_proj, &l.q_bias, &l.k_proj, &l.k_bias, &l.v_proj, &l.v_bias,
          &l.o_proj, &l.o_bias, &l.q_norm, &l.k_norm, &l.post_attention_norm, &l.gate_proj,
          &l.up_proj, &l.down_proj, &l.gate_bias, &l.up_bias, &l.down_bias}) {
      total += bytes(*t);
    }
  }
  return total;
}

namespace {

// Everything one forward call shares across layers.
struct ForwardContext {
  int64_t start;    // absolute position of the first new token
  int64_t n;        // new tokens
  at::Tensor cos;   // [n, head_dim], compute dtype
  at::Tensor sin;   // [n, head_dim]
  at::Tensor mask;  // [n, start + n] bool, true = masked out; undefined if none
};

ForwardContext MakeContext(const ModelConfig& c, const at::Tensor& inv_freq, int64_t start,
                           int64_t n, at::ScalarType dtype) {
  ForwardContext ctx{start, n, {}, {}, {}};
  at::Tensor positions = at::arange(start, start + n, inv_freq.options());
  at::Tensor freqs = at::outer(positions, inv_freq);  // [n, head_dim/2], fp32
  at::Tensor angles = at::cat({freqs, freqs}, -1);    // [n, head_dim]
  ctx.cos = angles.cos().to(dtype);
  ctx.sin = angles.sin().to(dtype);
  const int64_t total = start + n;
  const bool windowed = c.sliding_window && *c.sliding_window < total;
  if (n > 1 || windowed) {
    at::TensorOptions long_options = inv_freq.options().dtype(at::kLong);
    at::Tensor query_pos = at::arange(start, total, long_options).unsqueeze(1);
    at::Tensor key_pos = at::arange(0, total, long_options).unsqueeze(0);
    ctx.mask = key_pos > query_pos;  // causal
    if (windowed) {                  // Mistral: keys at distance >= window are not seen
      ctx.mask = ctx.mask.logical_or(key_pos <= query_pos - *c.sliding_window);
    }
  }
  return ctx;
}

// Self-attention of one layer for x [n, hidden]; appends k/v to the layer's
// cache slots kv_layer [2, n_kv_heads, capacity, head_dim].
at::Tensor Attention(const ModelConfig& c, const LlamaLayerWeights& w, const ForwardContext& ctx,
                     const at::Tensor& x, at::Tensor kv_layer) {
  const int64_t n = ctx.n, d = c.head_dim;
  const int64_t n_kv = c.num_key_value_heads, groups = c.n_kv_groups();
  at::Tensor q = Linear(x, w.q_proj, w.q_bias).view({n, c.num_attention_heads, d});
  at::Tensor k = Linear(x, w.k_proj, w.k_bias).view({n, n_kv, d});
  at::Tensor v = Linear(x, w.v_proj, w.v_bias).view({n, n_kv, d});
  if (c.qk_norm) {  // Qwen3: RMSNorm over each head before RoPE
    q = RmsNorm(q, w.q_norm, c.rms_norm_eps);
    k = RmsNorm(k, w.k_norm, c.rms_norm_eps);
  }
  at::Tensor cos = ctx.cos.unsqueeze(1), sin = ctx.sin.unsqueeze(1);  // [n, 1, d]
  q = q * cos + RotateHalf(q) * sin;
  k = k * cos + RotateHalf(k) * sin;

  kv_layer[0].narrow(1, ctx.start, n).copy_(k.permute({1, 0, 2}));
  kv_layer[1].narrow(1, ctx.start, n).copy_(v.permute({1, 0, 2}));
  const int64_t total = ctx.start + n;
  at::Tensor keys = kv_layer[0].narrow(1, 0, total);    // [n_kv, total, d]
  at::Tensor values = kv_layer[1].narrow(1, 0, total);  // [n_kv, total, d]

  // GQA without copying K/V: query head h = kv * groups + g attends with kv
  // head `kv`, so fold the groups into the query rows of each kv head.
  at::Tensor q_grouped =
      q.view({n, n_kv, groups, d}).permute({1, 2, 0, 3}).reshape({n_kv, groups * n, d});
  at::Tensor scores = at::bmm(q_grouped, keys.transpose(1, 2)) /
                      std::sqrt(static_cast<double>(d));  // [n_kv, groups*n, total]
  scores = scores.view({n_kv, groups, n, total});
  if (ctx.mask.defined()) {
    scores = scores.masked_fill(ctx.mask, -std::numeric_limits<double>::infinity());
  }
  at::Tensor probs = at::softmax(scores, -1, at::kFloat).to(q.scalar_type());
  at::Tensor out = at::bmm(probs.view({n_kv, groups * n, total}), values);  // [n_kv, groups*n, d]
  out = out.view({n_kv, groups, n, d}).permute({2, 0, 1, 3}).reshape({n, -1});
  return Linear(out, w.o_proj, w.o_bias);
}

at::Tensor Mlp(const LlamaLayerWeights& w, const at::Tensor& x) {
  at::Tensor gate = at::silu(Linear(x, w.gate_proj, w.gate_bias));
  return Linear(gate * Linear(x, w.up_proj, w.up_bias), w.down_proj, w.down_bias);
}

}  // namespace

absl::StatusOr<Logits> LlamaModel::Forward(absl::Span<const int32_t> tokens, KvCache& cache,
                                           LogitRows rows) const {
  const int64_t n = static_cast<int64_t>(tokens.size());
  if (n == 0) return absl::InvalidArgumentError("Forward: no tokens given");
  for (int32_t id : tokens) {
    if (id < 0 || id >= config_.vocab_size) {
      return absl::InvalidArgumentError(absl::StrCat(
          "token id ", id, " is outside the model's vocabulary [0, ", config_.vocab_size, ")"));
    }
  }
  const int64_t start = cache.length();
  if (start + n > cache.capacity()) {
    return absl::ResourceExhaustedError(
        absl::StrCat("sequence would reach ", start + n, " tokens but the KV cache holds ",
                     cache.capacity(), "; start a new sequence or raise the context size"));
  }
  const absl::Time started = absl::Now();
  try {
    c10::InferenceMode inference;
    const LlamaWeights& w = *weights_;
    const at::Device device = w.embed_tokens.device();
    at::Tensor ids =
        at::tensor(std::vector<int64_t>(tokens.begin(), tokens.end()), at::kLong).to(device);
    at::Tensor x = w.embed_tokens.index_select(0, ids);  // [n, hidden]
    const ForwardContext ctx = MakeContext(config_, w.inv_freq, start, n, x.scalar_type());
    at::Tensor& kv = cache.storage().kv;
    for (size_t i = 0; i < w.layers.size(); ++i) {
      const LlamaLayerWeights& layer = w.layers[i];
      x = x +
          Attention(config_, layer, ctx, RmsNorm(x, layer.input_norm, config_.rms_norm_eps), kv[i]);
      x = x + Mlp(layer, RmsNorm(x, layer.post_attention_norm, config_.rms_norm_eps));
    }
    if (rows == LogitRows::kLast) x = x.narrow(0, n - 1, 1);
    x = RmsNorm(x, w.final_norm, config_.rms_norm_eps);
    at::Tensor logits = at::linear(x, w.lm_head).to(at::kCPU, at::kFloat).contiguous();
    cache.set_length(start + n);
    Logits out;
    out.n_rows = logits.size(0);
    out.vocab = logits.size(1);
    out.values.assign(logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel());
    options_.emulated_cost.PadForward(started, n);
    return out;
  } catch (const c10::Error& e) {
    return absl::InternalError(absl::StrCat("forward pass failed: ", e.what_without_backtrace()));
  }
}

}  // namespace tandem::model
