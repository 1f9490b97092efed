#include "common/model/tokenizer/tokenizer.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/base/file_util.h"
#include "common/base/status_macros.h"
#include "common/model/tokenizer/added_vocabulary.h"
#include "common/model/tokenizer/bpe_model.h"
#include "common/model/tokenizer/decoder.h"
#include "common/model/tokenizer/json_util.h"
#include "common/model/tokenizer/normalizer.h"
#include "common/model/tokenizer/post_processor.h"
#include "common/model/tokenizer/pre_tokenizer.h"
#include "common/model/tokenizer/utf8.h"

namespace tandem::model {
namespace {

using tokenizer::Json;
using tokenizer::JsonError;

absl::StatusOr<Json> ParseJsonObject(std::string_view text, absl::string_view name) {
  Json json;
  try {
    json = Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": not valid JSON: ", e.what()));
  }
  if (!json.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": expected a JSON object at the top level, got ", json.type_name()));
  }
  return json;
}

// The model type: "type" if present, else what HF's untagged
// deserialization would pick from the fields present.
std::string ModelType(const Json& model) {
  if (auto type = model.find("type"); type != model.end() && type->is_string()) {
    return type->get<std::string>();
  }
  if (model.contains("merges")) return "BPE";
  if (auto vocab = model.find("vocab"); vocab != model.end() && vocab->is_array()) {
    return "Unigram";
  }
  if (model.contains("max_input_chars_per_word")) return "WordPiece";
  return "WordLevel";
}

// A config token: "text", {"content": "text", ...} or null.
absl::StatusOr<std::optional<std::string>> ConfigToken(const Json& value, absl::string_view where) {
  if (value.is_null()) return std::optional<std::string>();
  if (value.is_string()) return std::optional<std::string>(value.get<std::string>());
  if (value.is_object()) {
    TANDEM_ASSIGN_OR_RETURN(std::string content, tokenizer::JsonString(value, "content", where));
    return std::optional<std::string>(std::move(content));
  }
  return JsonError(where, absl::StrCat("expected a string, an object with "
                                       "\"content\" or null, got ",
                                       value.type_name()));
}

// FNV-1a, 64-bit.
class Fnv1a {
 public:
  void Add(std::string_view bytes) {
    for (char c : bytes) {
      hash_ ^= static_cast<uint8_t>(c);
      hash_ *= 0x100000001b3ULL;
    }
  }
  void AddInt(int64_t value) {
    char bytes[8];
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(value >> (8 * i));
    Add(std::string_view(bytes, 8));
  }
  uint64_t hash() const { return hash_; }

 private:
  uint64_t hash_ = 0xcbf29ce484222325ULL;
};

}  // namespace

Tokenizer::Tokenizer() = default;
Tokenizer::~Tokenizer() = default;

absl::StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::FromDirectory(const std::string& dir) {
  const std::string json_path = base::JoinPath(dir, "tokenizer.json");
  TANDEM_ASSIGN_OR_RETURN(std::string json, base::ReadFileToString(json_path));
  const std::string config_path = base::JoinPath(dir, "tokenizer_config.json");
  std::string config;
  if (base::FileExists(config_path)) {
    TANDEM_ASSIGN_OR_RETURN(config, base::ReadFileToString(config_path));
  }
  std::unique_ptr<Tokenizer> tokenizer(new Tokenizer());
  TANDEM_RETURN_IF_ERROR(tokenizer->Init(json, config, json_path, config_path));
  return tokenizer;
}

absl::StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::FromJson(
    std::string_view tokenizer_json, std::string_view tokenizer_config_json) {
  std::unique_ptr<Tokenizer> tokenizer(new Tokenizer());
  TANDEM_RETURN_IF_ERROR(tokenizer->Init(tokenizer_json, tokenizer_config_json, "tokenizer.json",
                                         "tokenizer_config.json"));
  return tokenizer;
}

absl::Status Tokenizer::Init(std::string_view tokenizer_json,
                             std::string_view tokenizer_config_json, absl::string_view json_name,
                             absl::string_view config_name) {
  TANDEM_ASSIGN_OR_RETURN(Json json, ParseJsonObject(tokenizer_json, json_name));
  auto model = json.find("model");
  if (model == json.end() || !model->is_object()) {
    return JsonError(json_name, "missing object \"model\"");
  }
  const std::string model_type = ModelType(*model);
  if (model_type != "BPE") {
    return absl::UnimplementedError(absl::StrCat(json_name, ": model type \"", model_type,
                                                 "\" is not supported (supported: BPE)"));
  }
  const auto field = [&json](const char* key) -> const Json& {
    static const Json* const kNull = new Json(nullptr);
    auto it = json.find(key);
    return it == json.end() ? *kNull : *it;
  };
  const auto where = [json_name](const char* key) { return absl::StrCat(json_name, ": ", key); };
  TANDEM_ASSIGN_OR_RETURN(model_, tokenizer::BpeModel::FromJson(*model, where("model")));
  TANDEM_ASSIGN_OR_RETURN(normalizer_,
                          tokenizer::ParseNormalizer(field("normalizer"), where("normalizer")));
  TANDEM_ASSIGN_OR_RETURN(
      pre_tokenizer_, tokenizer::ParsePreTokenizer(field("pre_tokenizer"), where("pre_tokenizer")));
  TANDEM_ASSIGN_OR_RETURN(decoder_, tokenizer::ParseDecoder(field("decoder"), where("decoder")));
  TANDEM_ASSIGN_OR_RETURN(
      tokenizer::SpecialTokenWrap wrap,
      tokenizer::ParsePostProcessor(field("post_processor"), where("post_processor")));
  TANDEM_ASSIGN_OR_RETURN(
      std::vector<tokenizer::AddedToken> added,
      tokenizer::ParseAddedTokens(field("added_tokens"), where("added_tokens")));
  TANDEM_ASSIGN_OR_RETURN(added_vocabulary_,
                          tokenizer::AddedVocabulary::Create(std::move(added), normalizer_.get()));
  TANDEM_RETURN_IF_ERROR(BuildVocabulary());
  TANDEM_RETURN_IF_ERROR(ApplyPostProcessor(std::move(wrap), where("post_processor")));
  return ApplyConfig(tokenizer_config_json, config_name);
}

absl::Status Tokenizer::ApplyPostProcessor(tokenizer::SpecialTokenWrap wrap,
                                           absl::string_view where) {
  for (const std::vector<int32_t>* side : {&wrap.prefix, &wrap.suffix}) {
    for (int32_t id : *side) {
      if (id >= vocab_size_) {
        return JsonError(where, absl::StrCat("special token id ", id,
                                             " is outside the vocabulary "
                                             "(size ",
                                             vocab_size_, ")"));
      }
    }
  }
  prefix_ids_ = std::move(wrap.prefix);
  suffix_ids_ = std::move(wrap.suffix);
  if (prefix_ids_.size() == 1) bos_id_ = prefix_ids_[0];
  if (suffix_ids_.size() == 1) eos_id_ = suffix_ids_[0];
  return absl::OkStatus();
}

absl::Status Tokenizer::BuildVocabulary() {
  int32_t max_id = model_->max_id();
  for (const tokenizer::AddedToken& token : added_vocabulary_->tokens()) {
    max_id = std::max(max_id, token.id);
  }
  vocab_size_ = max_id + 1;
  id_to_token_.assign(vocab_size_, std::string());
  is_special_.assign(vocab_size_, 0);
  is_byte_fallback_.assign(vocab_size_, 0);
  model_->ForEachToken([this](int32_t id, const std::string& token) { id_to_token_[id] = token; });
  absl::flat_hash_map<std::string, bool> special_contents;
  for (const tokenizer::AddedToken& token : added_vocabulary_->tokens()) {
    id_to_token_[token.id] = token.content;
    added_token_ids_.emplace(token.content, token.id);
    if (token.special) special_contents[token.content] = true;
  }
  const bool byte_fallback = decoder_ != nullptr && decoder_->HasByteFallback();
  local_decoder_ = decoder_ == nullptr || decoder_->IsLocal();
  for (int32_t id = 0; id < vocab_size_; ++id) {
    // HF decides "special" by token text, whichever id it comes from.
    is_special_[id] = special_contents.contains(id_to_token_[id]);
    is_byte_fallback_[id] =
        byte_fallback && tokenizer::ParseByteFallbackToken(id_to_token_[id]).has_value();
  }
  return absl::OkStatus();
}

absl::Status Tokenizer::ApplyConfig(std::string_view config_json, absl::string_view config_name) {
  if (config_json.empty()) return absl::OkStatus();
  TANDEM_ASSIGN_OR_RETURN(Json config, ParseJsonObject(config_json, config_name));
  for (const bool bos : {true, false}) {
    const char* token_key = bos ? "bos_token" : "eos_token";
    const char* add_key = bos ? "add_bos_token" : "add_eos_token";
    std::optional<int32_t>& id = bos ? bos_id_ : eos_id_;
    const std::string where = absl::StrCat(config_name, ": ", token_key);
    if (auto it = config.find(token_key); it != config.end()) {
      TANDEM_ASSIGN_OR_RETURN(std::optional<std::string> token, ConfigToken(*it, where));
      id.reset();
      if (token.has_value()) {
        id = TokenToId(*token);
        if (!id.has_value()) {
          return JsonError(where, absl::StrCat("token \"", *token, "\" is not in the vocabulary"));
        }
      }
    }
    if (auto it = config.find(add_key); it != config.end() && !it->is_null()) {
      if (!it->is_boolean()) {
        return JsonError(absl::StrCat(config_name, ": ", add_key), "expected a boolean");
      }
      std::vector<int32_t>& side = bos ? prefix_ids_ : suffix_ids_;
      side.clear();
      if (it->get<bool>()) {
        if (!id.has_value()) {
          return JsonError(absl::StrCat(config_name, ": ", add_key),
                           absl::StrCat("is true but ", token_key, " is not set"));
        }
        side.push_back(*id);
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<int32_t>> Tokenizer::Encode(std::string_view text,
                                                       bool add_special_tokens) const {
  if (const size_t bad = tokenizer::FindInvalidUtf8(text); bad != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("Encode: text is not valid UTF-8 (ill-formed sequence at byte ", bad, " of ",
                     text.size(), ")"));
  }
  TANDEM_ASSIGN_OR_RETURN(std::vector<tokenizer::PreToken> pieces,
                          added_vocabulary_->ExtractAndNormalize(text, normalizer_.get()));
  if (pre_tokenizer_ != nullptr) {
    TANDEM_RETURN_IF_ERROR(pre_tokenizer_->PreTokenize(&pieces));
  }
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + prefix_ids_.size() + suffix_ids_.size() + 1);
  if (add_special_tokens) {
    ids.insert(ids.end(), prefix_ids_.begin(), prefix_ids_.end());
  }
  for (const tokenizer::PreToken& piece : pieces) {
    if (piece.added_id.has_value()) {
      ids.push_back(*piece.added_id);
    } else {
      TANDEM_RETURN_IF_ERROR(model_->Tokenize(piece.text, &ids));
    }
  }
  if (add_special_tokens) {
    ids.insert(ids.end(), suffix_ids_.begin(), suffix_ids_.end());
  }
  return ids;
}

absl::StatusOr<std::string> Tokenizer::Decode(absl::Span<const int32_t> ids,
                                              bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (const int32_t id : ids) {
    if (id < 0 || id >= vocab_size_) {
      return absl::InvalidArgumentError(absl::StrCat("Decode: token id ", id,
                                                     " is out of range: the vocabulary has ",
                                                     vocab_size_, " ids [0, ", vocab_size_, ")"));
    }
    if (id_to_token_[id].empty()) continue;  // an unused id: HF skips it
    if (skip_special_tokens && is_special_[id]) continue;
    tokens.push_back(id_to_token_[id]);
  }
  if (decoder_ == nullptr) return absl::StrJoin(tokens, " ");
  TANDEM_ASSIGN_OR_RETURN(tokens, decoder_->DecodeChain(std::move(tokens)));
  return absl::StrJoin(tokens, "");
}

std::optional<int32_t> Tokenizer::TokenToId(std::string_view token) const {
  if (auto it = added_token_ids_.find(absl::string_view(token.data(), token.size()));
      it != added_token_ids_.end()) {
    return it->second;
  }
  return model_->TokenToId(token);
}

std::string_view Tokenizer::IdToToken(int32_t id) const {
  if (id < 0 || id >= vocab_size_) return std::string_view();
  return id_to_token_[id];
}

bool Tokenizer::IsSpecial(int32_t id) const {
  return id >= 0 && id < vocab_size_ && is_special_[id] != 0;
}

bool Tokenizer::IsByteFallbackPiece(int32_t id) const {
  return id >= 0 && id < vocab_size_ && is_byte_fallback_[id] != 0;
}

uint64_t Tokenizer::Fingerprint() const {
  Fnv1a fnv;
  for (int32_t id = 0; id < vocab_size_; ++id) {
    fnv.AddInt(id);
    fnv.AddInt(static_cast<int64_t>(id_to_token_[id].size()));
    fnv.Add(id_to_token_[id]);
    fnv.AddInt(is_special_[id]);
  }
  fnv.AddInt(bos_id_.value_or(-1));
  fnv.AddInt(eos_id_.value_or(-1));
  return fnv.hash();
}

}  // namespace tandem::model
