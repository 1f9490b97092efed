#ifndef TANDEM_COMMON_MODEL_TOKENIZER_TOKENIZER_H_
#define TANDEM_COMMON_MODEL_TOKENIZER_TOKENIZER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace tandem::model {

namespace tokenizer {
class AddedVocabulary;
class BpeModel;
class Decoder;
class Normalizer;
class PreTokenizer;
struct SpecialTokenWrap;
}  // namespace tokenizer

// A Hugging Face `tokenizer.json` tokenizer (model type BPE), reproducing
// the `tokenizers` library's Encode/Decode:
//   encode: added tokens are found first (added_vocabulary.h), the text
//   between them is normalized (normalizer.h), pre-tokenized
//   (pre_tokenizer.h) and run through the BPE model (bpe_model.h); special
//   tokens are then added around the result (see Encode).
//   decode: ids -> token strings -> decoder (decoder.h); with no decoder the
//   tokens are joined with spaces.
// Deliberate differences from Hugging Face:
//   - "truncation" and "padding" in tokenizer.json are ignored (Encode
//     returns every id), and Decode does not apply transformers'
//     clean_up_tokenization_spaces;
//   - added tokens keep the ids the file gives them (HF re-numbers tokens
//     whose id disagrees with its own assignment, with a warning);
//   - Decode uses an added token's content even when it is normalized=true,
//     and skips it when special (tokenizers >= 0.22 decodes such
//     tokens through their normalized form and then fails to skip them);
//   - legacy "a b" merges whose tokens contain spaces are split where both
//     parts and the result are in the vocabulary (HF rejects the file);
//   - text must be valid UTF-8 (HF's input is a Rust str).
//
// Immutable after construction: every method is const and safe to call
// from any number of threads. Not copyable; share it through the unique_ptr.
class Tokenizer {
 public:
  // Loads `dir`/tokenizer.json and, if present, `dir`/tokenizer_config.json.
  // Errors name the file: NotFound if tokenizer.json is missing,
  // InvalidArgument if either file is malformed (bad JSON, wrong field
  // types, merges not in the vocabulary, ...), Unimplemented for a model
  // or component type this library does not support (the message names it
  // and lists the supported ones).
  static absl::StatusOr<std::unique_ptr<Tokenizer>> FromDirectory(const std::string& dir);

  // As FromDirectory, from the files' contents. `tokenizer_config_json` may
  // be empty (no config). It may set add_bos_token, add_eos_token,
  // bos_token and eos_token (a string or {"content": ...}; null means none).
  static absl::StatusOr<std::unique_ptr<Tokenizer>> FromJson(
      std::string_view tokenizer_json, std::string_view tokenizer_config_json);

  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // Token ids of `text`. With add_special_tokens, BOS is prepended if the
  // config's add_bos_token is true, EOS appended if add_eos_token is true;
  // where the config does not set one of them, the post_processor decides
  // that side (e.g. TemplateProcessing "<s> $A"). InvalidArgument if `text`
  // is not valid UTF-8 (names the byte offset).
  absl::StatusOr<std::vector<int32_t>> Encode(std::string_view text, bool add_special_tokens) const;

  // Text of `ids`. skip_special_tokens drops added tokens marked special.
  // Invalid UTF-8 from byte tokens decodes to U+FFFD as in Hugging Face.
  // InvalidArgument naming the id and vocab_size() for an id outside
  // [0, vocab_size()); ids inside the range with no token are skipped.
  absl::StatusOr<std::string> Decode(absl::Span<const int32_t> ids, bool skip_special_tokens) const;

  // Largest id of the model vocabulary and the added tokens, plus one.
  int32_t vocab_size() const { return vocab_size_; }
  // From tokenizer_config.json's bos_token/eos_token; when the config does
  // not name one, the single special token the post_processor puts before
  // (BOS) or after (EOS) the sequence, if any.
  std::optional<int32_t> bos_id() const { return bos_id_; }
  std::optional<int32_t> eos_id() const { return eos_id_; }

  // Id of a token's raw text (added tokens first, then the model vocab).
  std::optional<int32_t> TokenToId(std::string_view token) const;
  // Raw token text of `id` ("" if out of range or unused).
  std::string_view IdToToken(int32_t id) const;
  // True for added tokens marked special (false when out of range).
  bool IsSpecial(int32_t id) const;
  // True if `id` is a byte-fallback token "<0xXX>" and the decoder joins
  // such tokens (ByteFallback): its text depends on the tokens after it.
  bool IsByteFallbackPiece(int32_t id) const;
  // True unless the decoder can change text across token boundaries other
  // than at the very start (Strip with start > 1 or stop > 0): then
  // IncrementalDetokenizer must re-decode from the start of the stream.
  bool HasLocalDecoder() const { return local_decoder_; }

  // FNV-1a 64 over, for each id in [0, vocab_size): the id, its token
  // text's length and bytes, and whether it is special; then BOS and EOS.
  // Equal for tokenizers with the same vocabulary and special tokens, in
  // any process or build (draft/target compatibility checks).
  uint64_t Fingerprint() const;

 private:
  Tokenizer();
  absl::Status Init(std::string_view tokenizer_json, std::string_view tokenizer_config_json,
                    absl::string_view json_name, absl::string_view config_name);
  absl::Status BuildVocabulary();
  absl::Status ApplyPostProcessor(tokenizer::SpecialTokenWrap wrap, absl::string_view where);
  absl::Status ApplyConfig(std::string_view config_json, absl::string_view config_name);

  std::unique_ptr<tokenizer::Normalizer> normalizer_;
  std::unique_ptr<tokenizer::PreTokenizer> pre_tokenizer_;
  std::unique_ptr<tokenizer::BpeModel> model_;
  std::unique_ptr<tokenizer::Decoder> decoder_;
  std::unique_ptr<tokenizer::AddedVocabulary> added_vocabulary_;

  int32_t vocab_size_ = 0;
  std::vector<std::string> id_to_token_;   // [vocab_size]
  std::vector<uint8_t> is_special_;        // [vocab_size]
  std::vector<uint8_t> is_byte_fallback_;  // [vocab_size]
  absl::flat_hash_map<std::string, int32_t> added_token_ids_;
  std::vector<int32_t> prefix_ids_;  // added by add_special_tokens
  std::vector<int32_t> suffix_ids_;
  std::optional<int32_t> bos_id_;
  std::optional<int32_t> eos_id_;
  bool local_decoder_ = true;
};

}  // namespace tandem::model

#endif  // TANDEM_COMMON_MODEL_TOKENIZER_TOKENIZER_H_
