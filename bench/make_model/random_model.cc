#include "bench/make_model/random_model.h"

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/base/file_util.h"
#include "common/base/status_macros.h"
#include "common/model/safetensors.h"
#include "common/spec/counter_rng.h"

namespace tandem::tools {
namespace {

using Json = nlohmann::ordered_json;
constexpr int64_t kByteTokens = 256;
constexpr const char* kBos = "<|begin_of_text|>";
constexpr const char* kEos = "<|end_of_text|>";

// GPT-2's byte -> printable code point map used by ByteLevel pre-tokenizers.
std::string ByteToUnicode(int byte) {
  const bool printable = (byte >= '!' && byte <= '~') || (byte >= 0xA1 && byte <= 0xAC) ||
                         (byte >= 0xAE && byte <= 0xFF);
  int code_point = byte;
  if (!printable) {
    int n = 0;  // rank of this byte among the non-printable ones
    for (int b = 0; b < byte; ++b) {
      const bool p = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      if (!p) ++n;
    }
    code_point = 256 + n;
  }
  std::string utf8;
  if (code_point < 0x80) {
    utf8 += static_cast<char>(code_point);
  } else {
    utf8 += static_cast<char>(0xC0 | (code_point >> 6));
    utf8 += static_cast<char>(0x80 | (code_point & 0x3F));
  }
  return utf8;
}

// Deterministic N(0, std^2) values: Box-Muller on Philox output keyed by
// (seed, tensor index), so each tensor's values do not depend on the others.
std::vector<float> Normal(uint64_t seed, uint32_t tensor_index, int64_t n, double std) {
  std::vector<float> values(n);
  const std::array<uint32_t, 2> key = {static_cast<uint32_t>(seed),
                                       static_cast<uint32_t>(seed >> 32)};
  for (int64_t i = 0; i < n; i += 2) {
    const auto bits = spec::Philox4x32(
        {static_cast<uint32_t>(i), static_cast<uint32_t>(i >> 32), tensor_index, 0}, key);
    const double u1 = (bits[0] + 1.0) * 0x1.0p-32;  // (0, 1]
    const double u2 = bits[1] * 0x1.0p-32;
    const double r = std::sqrt(-2.0 * std::log(u1)) * std;
    values[i] = static_cast<float>(r * std::cos(2 * M_PI * u2));
    if (i + 1 < n) values[i + 1] = static_cast<float>(r * std::sin(2 * M_PI * u2));
  }
  return values;
}

// float32 -> bfloat16 bits, round to nearest even.
uint16_t ToBf16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  const uint32_t rounding = 0x7FFF + ((bits >> 16) & 1);
  return static_cast<uint16_t>((bits + rounding) >> 16);
}

// Owns the bytes of every tensor until the file is written.
class TensorSet {
 public:
  TensorSet(const RandomModelSpec& spec) : spec_(spec) {}

  void AddNormal(const std::string& name, std::vector<int64_t> shape) {
    Add(name, shape, Normal(spec_.seed, next_index_++, Numel(shape), spec_.init_std));
  }
  void AddOnes(const std::string& name, std::vector<int64_t> shape) {
    ++next_index_;
    Add(name, shape, std::vector<float>(Numel(shape), 1.0f));
  }
  absl::Status Write(const std::string& path) const {
    std::vector<model::TensorToWrite> tensors;
    for (size_t i = 0; i < names_.size(); ++i) {
      tensors.push_back({names_[i], dtype(), shapes_[i], bytes_[i]});
    }
    return model::WriteSafetensors(path, tensors, {{"format", "pt"}});
  }

 private:
  static int64_t Numel(const std::vector<int64_t>& shape) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
  model::DType dtype() const {
    return spec_.dtype == "bfloat16" ? model::DType::kBF16 : model::DType::kF32;
  }
  void Add(const std::string& name, std::vector<int64_t> shape, const std::vector<float>& values) {
    std::string bytes;
    if (dtype() == model::DType::kBF16) {
      bytes.resize(values.size() * 2);
      for (size_t i = 0; i < values.size(); ++i) {
        const uint16_t b = ToBf16(values[i]);
        std::memcpy(&bytes[i * 2], &b, 2);
      }
    } else {
      bytes.assign(reinterpret_cast<const char*>(values.data()), values.size() * 4);
    }
    names_.push_back(name);
    shapes_.push_back(std::move(shape));
    bytes_.push_back(std::move(bytes));
  }

  const RandomModelSpec& spec_;
  uint32_t next_index_ = 0;
  std::vector<std::string> names_;
  std::vector<std::vector<int64_t>> shapes_;
  std::vector<std::string> bytes_;
};

int64_t HeadDim(const RandomModelSpec& s) {
  return s.head_dim > 0 ? s.head_dim : s.hidden_size / s.num_attention_heads;
}

void AddLayer(const RandomModelSpec& s, int64_t i, TensorSet& t) {
  const std::string p = absl::StrCat("model.layers.", i, ".");
  const int64_t h = s.hidden_size, d = HeadDim(s);
  const int64_t q = s.num_attention_heads * d, kv = s.num_key_value_heads * d;
  const bool qkv_bias = s.architecture == model::Architecture::kQwen2;
  t.AddOnes(p + "input_layernorm.weight", {h});
  t.AddNormal(p + "self_attn.q_proj.weight", {q, h});
  t.AddNormal(p + "self_attn.k_proj.weight", {kv, h});
  t.AddNormal(p + "self_attn.v_proj.weight", {kv, h});
  t.AddNormal(p + "self_attn.o_proj.weight", {h, q});
  if (qkv_bias) {
    t.AddNormal(p + "self_attn.q_proj.bias", {q});
    t.AddNormal(p + "self_attn.k_proj.bias", {kv});
    t.AddNormal(p + "self_attn.v_proj.bias", {kv});
  }
  if (s.architecture == model::Architecture::kQwen3) {
    t.AddOnes(p + "self_attn.q_norm.weight", {d});
    t.AddOnes(p + "self_attn.k_norm.weight", {d});
  }
  t.AddOnes(p + "post_attention_layernorm.weight", {h});
  t.AddNormal(p + "mlp.gate_proj.weight", {s.intermediate_size, h});
  t.AddNormal(p + "mlp.up_proj.weight", {s.intermediate_size, h});
  t.AddNormal(p + "mlp.down_proj.weight", {h, s.intermediate_size});
}

Json ConfigJson(const RandomModelSpec& s) {
  Json c;
  c["architectures"] = {std::string(model::ArchitectureName(s.architecture))};
  c["model_type"] = s.architecture == model::Architecture::kLlama     ? "llama"
                    : s.architecture == model::Architecture::kMistral ? "mistral"
                    : s.architecture == model::Architecture::kQwen2   ? "qwen2"
                                                                      : "qwen3";
  c["vocab_size"] = s.vocab_size;
  c["hidden_size"] = s.hidden_size;
  c["intermediate_size"] = s.intermediate_size;
  c["num_hidden_layers"] = s.num_hidden_layers;
  c["num_attention_heads"] = s.num_attention_heads;
  c["num_key_value_heads"] = s.num_key_value_heads;
  c["head_dim"] = HeadDim(s);
  c["max_position_embeddings"] = s.max_position_embeddings;
  c["rms_norm_eps"] = 1e-6;
  c["rope_theta"] = s.llama3_rope_scaling ? 500000.0 : 10000.0;
  if (s.llama3_rope_scaling) {
    c["rope_scaling"] = {{"rope_type", "llama3"},
                         {"factor", 8.0},
                         {"low_freq_factor", 1.0},
                         {"high_freq_factor", 4.0},
                         {"original_max_position_embeddings", 64}};
  }
  c["hidden_act"] = "silu";
  c["tie_word_embeddings"] = s.tie_word_embeddings;
  c["attention_bias"] = false;
  if (s.architecture == model::Architecture::kMistral) c["sliding_window"] = nullptr;
  c["bos_token_id"] = kByteTokens;
  c["eos_token_id"] = kByteTokens + 1;
  c["torch_dtype"] = s.dtype;
  return c;
}

}  // namespace

absl::Status RandomModelSpec::Validate() const {
  if (vocab_size < kByteTokens + 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("vocab_size ", vocab_size, " must be >= 258 (256 bytes + BOS + EOS)"));
  }
  if (hidden_size <= 0 || intermediate_size <= 0 || num_hidden_layers <= 0 ||
      num_attention_heads <= 0 || num_key_value_heads <= 0) {
    return absl::InvalidArgumentError("model dimensions must be positive");
  }
  if (num_attention_heads % num_key_value_heads != 0) {
    return absl::InvalidArgumentError("num_key_value_heads must divide num_attention_heads");
  }
  if (head_dim == 0 && hidden_size % num_attention_heads != 0) {
    return absl::InvalidArgumentError(
        "hidden_size must be divisible by num_attention_heads (or set head_dim)");
  }
  if (HeadDim(*this) % 2 != 0) {
    return absl::InvalidArgumentError("head_dim must be even for RoPE");
  }
  if (dtype != "float32" && dtype != "bfloat16") {
    return absl::InvalidArgumentError(
        absl::StrCat("dtype \"", dtype, "\": use float32 or bfloat16"));
  }
  return absl::OkStatus();
}

absl::StatusOr<RandomModelSpec> RandomModelPreset(const std::string& name) {
  RandomModelSpec spec;
  if (name == "tiny") return spec;
  if (name == "100m") {
    spec.vocab_size = 32000;
    spec.hidden_size = 768;
    spec.intermediate_size = 2048;
    spec.num_hidden_layers = 12;
    spec.num_attention_heads = 12;
    spec.num_key_value_heads = 4;
    return spec;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown preset \"", name, "\" (known: tiny, 100m)"));
}

std::string ByteLevelTokenizerJson() {
  Json vocab = Json::object();
  for (int b = 0; b < kByteTokens; ++b) vocab[ByteToUnicode(b)] = b;
  Json added = Json::array();
  int64_t id = kByteTokens;
  for (const char* content : {kBos, kEos}) {
    added.push_back({{"id", id++},
                     {"content", content},
                     {"single_word", false},
                     {"lstrip", false},
                     {"rstrip", false},
                     {"normalized", false},
                     {"special", true}});
  }
  Json byte_level = {{"type", "ByteLevel"},
                     {"add_prefix_space", false},
                     {"trim_offsets", true},
                     {"use_regex", true}};
  Json tok;
  tok["version"] = "1.0";
  tok["truncation"] = nullptr;
  tok["padding"] = nullptr;
  tok["added_tokens"] = added;
  tok["normalizer"] = nullptr;
  tok["pre_tokenizer"] = byte_level;
  tok["post_processor"] = nullptr;
  tok["decoder"] = byte_level;
  tok["model"] = {{"type", "BPE"},
                  {"dropout", nullptr},
                  {"unk_token", nullptr},
                  {"continuing_subword_prefix", nullptr},
                  {"end_of_word_suffix", nullptr},
                  {"fuse_unk", false},
                  {"byte_fallback", false},
                  {"ignore_merges", false},
                  {"vocab", vocab},
                  {"merges", Json::array()}};
  return tok.dump(1);
}

std::string ByteLevelTokenizerConfigJson() {
  Json c = {{"add_bos_token", true},    {"add_eos_token", false},
            {"bos_token", kBos},        {"eos_token", kEos},
            {"model_max_length", 2048}, {"tokenizer_class", "PreTrainedTokenizerFast"}};
  return c.dump(1);
}

absl::Status WriteRandomModel(const RandomModelSpec& spec, const std::string& out_dir) {
  TANDEM_RETURN_IF_ERROR(spec.Validate());
  TANDEM_RETURN_IF_ERROR(base::MakeDirectories(out_dir));
  TensorSet tensors(spec);
  tensors.AddNormal("model.embed_tokens.weight", {spec.vocab_size, spec.hidden_size});
  for (int64_t i = 0; i < spec.num_hidden_layers; ++i) AddLayer(spec, i, tensors);
  tensors.AddOnes("model.norm.weight", {spec.hidden_size});
  if (!spec.tie_word_embeddings) {
    tensors.AddNormal("lm_head.weight", {spec.vocab_size, spec.hidden_size});
  }
  using base::JoinPath;
  TANDEM_RETURN_IF_ERROR(tensors.Write(JoinPath(out_dir, "model.safetensors")));
  TANDEM_RETURN_IF_ERROR(
      base::WriteStringToFile(JoinPath(out_dir, "config.json"), ConfigJson(spec).dump(2) + "\n"));
  const Json generation = {{"bos_token_id", kByteTokens}, {"eos_token_id", kByteTokens + 1}};
  TANDEM_RETURN_IF_ERROR(base::WriteStringToFile(JoinPath(out_dir, "generation_config.json"),
                                                 generation.dump(2) + "\n"));
  TANDEM_RETURN_IF_ERROR(
      base::WriteStringToFile(JoinPath(out_dir, "tokenizer.json"), ByteLevelTokenizerJson()));
  return base::WriteStringToFile(JoinPath(out_dir, "tokenizer_config.json"),
                                 ByteLevelTokenizerConfigJson());
}

}  // namespace tandem::tools
