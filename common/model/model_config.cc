#include "common/model/model_config.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/base/file_util.h"
#include "common/base/status_macros.h"

namespace tandem::model {
namespace {

using Json = nlohmann::json;

absl::Status FieldError(absl::string_view source, absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(source, ": field \"", field, "\" ", what));
}

absl::StatusOr<Json> ParseJsonObject(absl::string_view text, absl::string_view source) {
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": not valid JSON; check the file is complete"));
  }
  if (!json.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": expected a JSON object at the top level"));
  }
  return json;
}

// Reads an integer field. Absent or null: `fallback` (nullopt = required).
absl::StatusOr<int64_t> GetInt(const Json& json, absl::string_view source, const char* field,
                               std::optional<int64_t> fallback = std::nullopt) {
  auto it = json.find(field);
  if (it == json.end() || it->is_null()) {
    if (fallback) return *fallback;
    return FieldError(source, field, "is missing; a Llama-family config.json must set it");
  }
  if (!it->is_number_integer()) {
    return FieldError(source, field, absl::StrCat("must be an integer, got ", it->dump()));
  }
  return it->get<int64_t>();
}

absl::StatusOr<int64_t> GetPositiveInt(const Json& json, absl::string_view source,
                                       const char* field,
                                       std::optional<int64_t> fallback = std::nullopt) {
  TANDEM_ASSIGN_OR_RETURN(int64_t value, GetInt(json, source, field, fallback));
  if (value <= 0) {
    return FieldError(source, field, absl::StrCat("must be positive, got ", value));
  }
  return value;
}

absl::StatusOr<double> GetDouble(const Json& json, absl::string_view source, const char* field,
                                 double fallback) {
  auto it = json.find(field);
  if (it == json.end() || it->is_null()) return fallback;
  if (!it->is_number()) {
    return FieldError(source, field, absl::StrCat("must be a number, got ", it->dump()));
  }
  return it->get<double>();
}

absl::StatusOr<bool> GetBool(const Json& json, absl::string_view source, const char* field,
                             bool fallback) {
  auto it = json.find(field);
  if (it == json.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) {
    return FieldError(source, field, absl::StrCat("must be true or false, got ", it->dump()));
  }
  return it->get<bool>();
}

// "eos_token_id" is an int or a list of ints; null/absent gives an empty list.
absl::StatusOr<std::vector<int32_t>> GetIdList(const Json& json, absl::string_view source,
                                               const char* field) {
  std::vector<int32_t> ids;
  auto it = json.find(field);
  if (it == json.end() || it->is_null()) return ids;
  auto add = [&](const Json& value) -> absl::Status {
    if (!value.is_number_integer() || value.get<int64_t>() < 0) {
      return FieldError(source, field,
                        absl::StrCat("must hold non-negative integer ids, got ", value.dump()));
    }
    ids.push_back(value.get<int32_t>());
    return absl::OkStatus();
  };
  if (it->is_array()) {
    for (const Json& value : *it) TANDEM_RETURN_IF_ERROR(add(value));
  } else {
    TANDEM_RETURN_IF_ERROR(add(*it));
  }
  return ids;
}

absl::StatusOr<std::optional<int32_t>> GetOptionalId(const Json& json, absl::string_view source,
                                                     const char* field) {
  TANDEM_ASSIGN_OR_RETURN(std::vector<int32_t> ids, GetIdList(json, source, field));
  if (ids.empty()) return std::optional<int32_t>();
  return std::optional<int32_t>(ids.front());
}

absl::StatusOr<Architecture> ParseArchitecture(const Json& json, absl::string_view source) {
  static constexpr std::pair<const char*, Architecture> kKnown[] = {
      {"LlamaForCausalLM", Architecture::kLlama},
      {"MistralForCausalLM", Architecture::kMistral},
      {"Qwen2ForCausalLM", Architecture::kQwen2},
      {"Qwen3ForCausalLM", Architecture::kQwen3},
  };
  auto it = json.find("architectures");
  if (it == json.end() || !it->is_array() || it->empty() || !(*it)[0].is_string()) {
    return FieldError(source, "architectures",
                      "must be a list naming the model class, e.g. "
                      "[\"LlamaForCausalLM\"]");
  }
  const std::string name = (*it)[0].get<std::string>();
  std::vector<std::string> supported;
  for (const auto& [known, arch] : kKnown) {
    if (name == known) return arch;
    supported.emplace_back(known);
  }
  return absl::UnimplementedError(absl::StrCat(source, ": architecture \"", name,
                                               "\" is not supported; Tandem runs ",
                                               absl::StrJoin(supported, ", ")));
}

// rope_scaling (transformers <= 4.x) or rope_parameters (newer): type names
// are "type" or "rope_type". "default" and null mean no scaling.
absl::Status ParseRopeScaling(const Json& json, absl::string_view source, ModelConfig& config) {
  const char* field = "rope_scaling";
  auto it = json.find(field);
  if (it == json.end() || it->is_null()) {
    field = "rope_parameters";
    it = json.find(field);
  }
  if (it == json.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_object()) return FieldError(source, field, "must be an object");
  const Json& rope = *it;
  TANDEM_ASSIGN_OR_RETURN(config.rope_theta,
                          GetDouble(rope, source, "rope_theta", config.rope_theta));
  std::string type = rope.value("rope_type", rope.value("type", "default"));
  RopeScaling& scaling = config.rope_scaling;
  if (type == "default") {
    scaling.type = RopeScaling::Type::kNone;
    return absl::OkStatus();
  }
  TANDEM_ASSIGN_OR_RETURN(scaling.factor, GetDouble(rope, source, "factor", 1.0));
  if (type == "linear") {
    scaling.type = RopeScaling::Type::kLinear;
  } else if (type == "llama3") {
    scaling.type = RopeScaling::Type::kLlama3;
    TANDEM_ASSIGN_OR_RETURN(scaling.low_freq_factor,
                            GetDouble(rope, source, "low_freq_factor", 1.0));
    TANDEM_ASSIGN_OR_RETURN(scaling.high_freq_factor,
                            GetDouble(rope, source, "high_freq_factor", 4.0));
    TANDEM_ASSIGN_OR_RETURN(scaling.original_max_position_embeddings,
                            GetPositiveInt(rope, source, "original_max_position_embeddings", 8192));
    if (scaling.high_freq_factor <= scaling.low_freq_factor) {
      return FieldError(source, field, "needs high_freq_factor > low_freq_factor");
    }
  } else {
    return absl::UnimplementedError(
        absl::StrCat(source, ": rope scaling type \"", type,
                     "\" is not supported (supported: default, linear, llama3)"));
  }
  if (scaling.factor <= 0) return FieldError(source, "factor", "must be > 0");
  return absl::OkStatus();
}

absl::Status ParseShape(const Json& json, absl::string_view source, ModelConfig& c) {
  TANDEM_ASSIGN_OR_RETURN(c.vocab_size, GetPositiveInt(json, source, "vocab_size"));
  TANDEM_ASSIGN_OR_RETURN(c.hidden_size, GetPositiveInt(json, source, "hidden_size"));
  TANDEM_ASSIGN_OR_RETURN(c.intermediate_size, GetPositiveInt(json, source, "intermediate_size"));
  TANDEM_ASSIGN_OR_RETURN(c.num_hidden_layers, GetPositiveInt(json, source, "num_hidden_layers"));
  TANDEM_ASSIGN_OR_RETURN(c.num_attention_heads,
                          GetPositiveInt(json, source, "num_attention_heads"));
  TANDEM_ASSIGN_OR_RETURN(c.num_key_value_heads, GetPositiveInt(json, source, "num_key_value_heads",
                                                                c.num_attention_heads));
  if (c.num_attention_heads % c.num_key_value_heads != 0) {
    return FieldError(
        source, "num_key_value_heads",
        absl::StrCat("(", c.num_key_value_heads, ") must divide num_attention_heads (",
                     c.num_attention_heads, ")"));
  }
  const bool explicit_head_dim = json.contains("head_dim") && !json["head_dim"].is_null();
  if (!explicit_head_dim && c.hidden_size % c.num_attention_heads != 0) {
    return FieldError(source, "hidden_size",
                      "must be divisible by num_attention_heads when head_dim "
                      "is not given");
  }
  TANDEM_ASSIGN_OR_RETURN(
      c.head_dim, GetPositiveInt(json, source, "head_dim", c.hidden_size / c.num_attention_heads));
  if (c.head_dim % 2 != 0) {
    return FieldError(source, "head_dim", absl::StrCat("must be even for RoPE, got ", c.head_dim));
  }
  TANDEM_ASSIGN_OR_RETURN(
      c.max_position_embeddings,
      GetPositiveInt(json, source, "max_position_embeddings", c.max_position_embeddings));
  return absl::OkStatus();
}

absl::Status ParseFlags(const Json& json, absl::string_view source, ModelConfig& c) {
  TANDEM_ASSIGN_OR_RETURN(c.rms_norm_eps, GetDouble(json, source, "rms_norm_eps", c.rms_norm_eps));
  TANDEM_ASSIGN_OR_RETURN(c.rope_theta, GetDouble(json, source, "rope_theta", c.rope_theta));
  TANDEM_RETURN_IF_ERROR(ParseRopeScaling(json, source, c));
  TANDEM_ASSIGN_OR_RETURN(c.tie_word_embeddings,
                          GetBool(json, source, "tie_word_embeddings", false));
  TANDEM_ASSIGN_OR_RETURN(bool attention_bias, GetBool(json, source, "attention_bias", false));
  TANDEM_ASSIGN_OR_RETURN(c.mlp_bias, GetBool(json, source, "mlp_bias", false));
  switch (c.architecture) {
    case Architecture::kLlama:
    case Architecture::kMistral:
      c.attention_bias = attention_bias;
      c.o_proj_bias = attention_bias;
      break;
    case Architecture::kQwen2:  // q/k/v always carry a bias, o_proj never
      c.attention_bias = true;
      break;
    case Architecture::kQwen3:
      c.attention_bias = attention_bias;
      c.o_proj_bias = attention_bias;
      c.qk_norm = true;
      break;
  }
  const std::string act = json.value("hidden_act", std::string("silu"));
  if (act != "silu") {
    return absl::UnimplementedError(
        absl::StrCat(source, ": hidden_act \"", act, "\" is not supported (only silu)"));
  }
  TANDEM_ASSIGN_OR_RETURN(bool use_sliding, GetBool(json, source, "use_sliding_window",
                                                    c.architecture == Architecture::kMistral));
  auto window = json.find("sliding_window");
  if (use_sliding && window != json.end() && window->is_number_integer()) {
    c.sliding_window = window->get<int64_t>();
  }
  // Newer transformers write "dtype", older "torch_dtype".
  c.torch_dtype = json.value("dtype", json.value("torch_dtype", c.torch_dtype));
  TANDEM_ASSIGN_OR_RETURN(c.bos_token_id, GetOptionalId(json, source, "bos_token_id"));
  TANDEM_ASSIGN_OR_RETURN(c.eos_token_ids, GetIdList(json, source, "eos_token_id"));
  return absl::OkStatus();
}

}  // namespace

absl::string_view ArchitectureName(Architecture arch) {
  switch (arch) {
    case Architecture::kLlama:
      return "LlamaForCausalLM";
    case Architecture::kMistral:
      return "MistralForCausalLM";
    case Architecture::kQwen2:
      return "Qwen2ForCausalLM";
    case Architecture::kQwen3:
      return "Qwen3ForCausalLM";
  }
  return "unknown";
}

int64_t ModelConfig::ParameterCount() const {
  const int64_t q = num_attention_heads * head_dim;
  const int64_t kv = num_key_value_heads * head_dim;
  int64_t per_layer = hidden_size * (q + 2 * kv) + q * hidden_size +
                      3 * hidden_size * intermediate_size + 2 * hidden_size;
  if (attention_bias) per_layer += q + 2 * kv;
  if (o_proj_bias) per_layer += hidden_size;
  if (qk_norm) per_layer += 2 * head_dim;
  const int64_t embeddings = vocab_size * hidden_size;
  return num_hidden_layers * per_layer + hidden_size + embeddings +
         (tie_word_embeddings ? 0 : embeddings);
}

absl::StatusOr<ModelConfig> ParseModelConfig(absl::string_view json_text,
                                             absl::string_view source) {
  TANDEM_ASSIGN_OR_RETURN(Json json, ParseJsonObject(json_text, source));
  ModelConfig config;
  TANDEM_ASSIGN_OR_RETURN(config.architecture, ParseArchitecture(json, source));
  TANDEM_RETURN_IF_ERROR(ParseShape(json, source, config));
  TANDEM_RETURN_IF_ERROR(ParseFlags(json, source, config));
  return config;
}

absl::StatusOr<ModelConfig> LoadModelConfig(const std::string& dir) {
  const std::string path = base::JoinPath(dir, "config.json");
  auto text = base::ReadFileToString(path);
  if (!text.ok()) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path, " (", text.status().message(),
                                            "); --model must name a Hugging Face model directory"));
  }
  return ParseModelConfig(*text, path);
}

absl::StatusOr<GenerationConfig> ParseGenerationConfig(absl::string_view json_text,
                                                       absl::string_view source) {
  TANDEM_ASSIGN_OR_RETURN(Json json, ParseJsonObject(json_text, source));
  GenerationConfig config;
  TANDEM_ASSIGN_OR_RETURN(config.bos_token_id, GetOptionalId(json, source, "bos_token_id"));
  TANDEM_ASSIGN_OR_RETURN(config.eos_token_ids, GetIdList(json, source, "eos_token_id"));
  if (json.contains("temperature") && json["temperature"].is_number())
    config.temperature = json["temperature"].get<double>();
  if (json.contains("top_p") && json["top_p"].is_number())
    config.top_p = json["top_p"].get<double>();
  if (json.contains("top_k") && json["top_k"].is_number_integer())
    config.top_k = json["top_k"].get<int64_t>();
  if (json.contains("do_sample") && json["do_sample"].is_boolean())
    config.do_sample = json["do_sample"].get<bool>();
  return config;
}

absl::StatusOr<GenerationConfig> LoadGenerationConfig(const std::string& dir) {
  const std::string path = base::JoinPath(dir, "generation_config.json");
  if (!base::FileExists(path)) return GenerationConfig{};
  TANDEM_ASSIGN_OR_RETURN(std::string text, base::ReadFileToString(path));
  return ParseGenerationConfig(text, path);
}

}  // namespace tandem::model
