#ifndef TANDEM_COMMON_MODEL_TOKENIZER_BPE_MODEL_H_
#define TANDEM_COMMON_MODEL_TOKENIZER_BPE_MODEL_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/model/tokenizer/json_util.h"

namespace tandem::model::tokenizer {

// A byte-pair-encoding model as Hugging Face tokenizers' models::bpe::BPE
// (dropout unsupported: it is a training-time option). Tokenize() splits a
// pre-token into characters and applies merges lowest rank first (leftmost
// first among equal ranks) with a priority queue, so long words cost
// O(n log n). Immutable after FromJson; thread-safe.
class BpeModel {
 public:
  // `model` is tokenizer.json's "model" object: vocab {token: id}; merges as
  // "a b" strings or ["a", "b"] pairs; optional unk_token, fuse_unk,
  // byte_fallback, ignore_merges, continuing_subword_prefix,
  // end_of_word_suffix. InvalidArgument naming `where` if malformed (bad
  // ids, a merge whose parts or result are not in the vocabulary);
  // Unimplemented for a non-zero dropout.
  static absl::StatusOr<std::unique_ptr<BpeModel>> FromJson(const Json& model,
                                                            absl::string_view where);

  // Appends the ids of `word` (one pre-token, valid UTF-8) to `ids`.
  // Characters with no token become byte-fallback tokens <0xXX> when
  // enabled and all exist, else the unk token (consecutive ones fused if
  // fuse_unk), else are dropped. FailedPrecondition if the unk token is
  // needed but not in the vocabulary.
  absl::Status Tokenize(std::string_view word, std::vector<int32_t>* ids) const;

  std::optional<int32_t> TokenToId(std::string_view token) const;
  // Largest id in the vocabulary, -1 if empty.
  int32_t max_id() const { return max_id_; }
  // Calls fn(id, token) for every vocabulary entry.
  template <typename Fn>
  void ForEachToken(Fn fn) const {
    for (const auto& [token, id] : vocab_) fn(id, token);
  }

 private:
  struct Merge {
    int32_t rank;
    int32_t new_id;
  };
  // One symbol of the word being merged: a doubly linked list over indices.
  struct Symbol {
    int32_t id;
    int32_t prev;
    int32_t next;
    bool alive;
  };

  BpeModel() = default;
  absl::Status LoadVocab(const Json& vocab, absl::string_view where);
  absl::Status LoadMerges(const Json& merges, absl::string_view where);
  absl::Status InitialSymbols(std::string_view word, std::vector<Symbol>* symbols) const;
  void MergeAll(std::vector<Symbol>* symbols) const;
  const Merge* FindMerge(int32_t left, int32_t right) const;

  absl::flat_hash_map<std::string, int32_t> vocab_;
  absl::flat_hash_map<uint64_t, Merge> merges_;  // key: left << 32 | right
  int32_t max_id_ = -1;
  std::optional<std::string> unk_token_;
  std::string continuing_subword_prefix_;
  std::string end_of_word_suffix_;
  bool fuse_unk_ = false;
  bool byte_fallback_ = false;
  bool ignore_merges_ = false;
  std::array<int32_t, 256> byte_ids_{};  // id of "<0xXX>", -1 if absent
};

}  // namespace tandem::model::tokenizer

#endif  // TANDEM_COMMON_MODEL_TOKENIZER_BPE_MODEL_H_
