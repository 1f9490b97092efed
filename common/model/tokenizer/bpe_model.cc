#include "common/model/tokenizer/bpe_model.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <queue>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"
#include "common/model/tokenizer/utf8.h"

namespace tandem::model::tokenizer {
namespace {

uint64_t PairKey(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

// A candidate merge of the symbol at `pos` with its right neighbour.
struct QueuedMerge {
  int32_t rank;
  int32_t pos;
  int32_t new_id;
};

// Orders the priority queue so the lowest rank, then leftmost, pops first.
struct LaterMerge {
  bool operator()(const QueuedMerge& a, const QueuedMerge& b) const {
    return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
  }
};

// Parts of a "a b" merges line whose tokens may themselves contain spaces
// (e.g. "   " = " " + " "): the one split at a space where both parts and
// their merge are in `vocab`. Lines with a single space split there. The
// parts are views into `line`. On failure returns the problem.
std::optional<std::string> SplitMergeLine(absl::string_view line,
                                          const absl::flat_hash_map<std::string, int32_t>& vocab,
                                          size_t prefix_len, absl::string_view* left,
                                          absl::string_view* right) {
  const size_t first = line.find(' ');
  if (first == absl::string_view::npos) {
    return absl::StrCat("merge \"", line, "\" is not of the form \"a b\"");
  }
  if (line.find(' ', first + 1) == absl::string_view::npos) {
    *left = line.substr(0, first);
    *right = line.substr(first + 1);
    return std::nullopt;
  }
  int n_found = 0;
  for (size_t pos = first; pos != absl::string_view::npos; pos = line.find(' ', pos + 1)) {
    const absl::string_view a = line.substr(0, pos);
    const absl::string_view b = line.substr(pos + 1);
    if (a.empty() || b.size() < std::max<size_t>(prefix_len, 1) || !vocab.contains(a) ||
        !vocab.contains(b) || !vocab.contains(absl::StrCat(a, b.substr(prefix_len)))) {
      continue;
    }
    *left = a;
    *right = b;
    ++n_found;
  }
  if (n_found == 1) return std::nullopt;
  return absl::StrCat("merge \"", line, "\" has several spaces and ",
                      n_found == 0 ? "no" : "more than one",
                      " way to split it into two vocabulary tokens whose "
                      "merge is in the vocabulary");
}

// The two parts of one "merges" entry ("a b" or ["a", "b"]), as views into
// `entry`; on failure returns the problem.
std::optional<std::string> MergeParts(const Json& entry,
                                      const absl::flat_hash_map<std::string, int32_t>& vocab,
                                      size_t prefix_len, absl::string_view* left,
                                      absl::string_view* right) {
  if (entry.is_string()) {
    return SplitMergeLine(entry.get_ref<const std::string&>(), vocab, prefix_len, left, right);
  }
  if (entry.is_array() && entry.size() == 2 && entry[0].is_string() && entry[1].is_string()) {
    *left = entry[0].get_ref<const std::string&>();
    *right = entry[1].get_ref<const std::string&>();
    return std::nullopt;
  }
  return absl::StrCat("expected \"a b\" or [\"a\", \"b\"], got ", entry.dump());
}

}  // namespace

absl::StatusOr<std::unique_ptr<BpeModel>> BpeModel::FromJson(const Json& model,
                                                             absl::string_view where) {
  std::unique_ptr<BpeModel> bpe(new BpeModel());
  auto dropout = model.find("dropout");
  if (dropout != model.end() && !dropout->is_null() &&
      !(dropout->is_number() && dropout->get<double>() == 0.0)) {
    return absl::UnimplementedError(
        absl::StrCat(where, ": BPE dropout ", dropout->dump(),
                     " is not supported (only null or 0: it is a training option)"));
  }
  TANDEM_ASSIGN_OR_RETURN(bpe->unk_token_, JsonOptionalString(model, "unk_token", where));
  TANDEM_ASSIGN_OR_RETURN(bpe->continuing_subword_prefix_,
                          JsonStringOr(model, "continuing_subword_prefix", "", where));
  TANDEM_ASSIGN_OR_RETURN(bpe->end_of_word_suffix_,
                          JsonStringOr(model, "end_of_word_suffix", "", where));
  TANDEM_ASSIGN_OR_RETURN(bpe->fuse_unk_, JsonBoolOr(model, "fuse_unk", false, where));
  TANDEM_ASSIGN_OR_RETURN(bpe->byte_fallback_, JsonBoolOr(model, "byte_fallback", false, where));
  TANDEM_ASSIGN_OR_RETURN(bpe->ignore_merges_, JsonBoolOr(model, "ignore_merges", false, where));
  auto vocab = model.find("vocab");
  if (vocab == model.end() || !vocab->is_object()) {
    return JsonError(JsonPath(where, "vocab"), "expected an object mapping each token to its id");
  }
  TANDEM_RETURN_IF_ERROR(bpe->LoadVocab(*vocab, JsonPath(where, "vocab")));
  auto merges = model.find("merges");
  if (merges != model.end() && !merges->is_null()) {
    if (!merges->is_array()) {
      return JsonError(JsonPath(where, "merges"), "expected an array");
    }
    TANDEM_RETURN_IF_ERROR(bpe->LoadMerges(*merges, JsonPath(where, "merges")));
  }
  return bpe;
}

absl::Status BpeModel::LoadVocab(const Json& vocab, absl::string_view where) {
  vocab_.reserve(vocab.size());
  for (const auto& [token, id_json] : vocab.items()) {
    if (!id_json.is_number_integer() || id_json.get<int64_t>() < 0 ||
        id_json.get<int64_t>() > std::numeric_limits<int32_t>::max()) {
      return JsonError(where, absl::StrCat("token \"", token, "\" has id ", id_json.dump(),
                                           "; expected a non-negative "
                                           "32-bit integer"));
    }
    const int32_t id = id_json.get<int32_t>();
    vocab_.emplace(token, id);
    max_id_ = std::max(max_id_, id);
  }
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    auto it = vocab_.find(name);
    byte_ids_[b] = it == vocab_.end() ? -1 : it->second;
  }
  return absl::OkStatus();
}

absl::Status BpeModel::LoadMerges(const Json& merges, absl::string_view where) {
  merges_.reserve(merges.size());
  const size_t prefix_len = continuing_subword_prefix_.size();
  absl::string_view left;
  absl::string_view right;
  std::string merged;
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    std::optional<std::string> problem =
        MergeParts(merges[rank], vocab_, prefix_len, &left, &right);
    auto left_it = vocab_.end();
    auto right_it = vocab_.end();
    auto merged_it = vocab_.end();
    if (!problem.has_value()) {
      left_it = vocab_.find(left);
      right_it = vocab_.find(right);
      // With a continuing_subword_prefix, "a" + "##b" merges into "ab".
      merged.assign(left.data(), left.size());
      const absl::string_view tail = right.size() >= prefix_len ? right.substr(prefix_len) : right;
      merged.append(tail.data(), tail.size());
      merged_it = vocab_.find(merged);
      if (left_it == vocab_.end() || right_it == vocab_.end()) {
        problem = absl::StrCat("merge part \"", left_it == vocab_.end() ? left : right,
                               "\" is not in the vocabulary");
      } else if (merged_it == vocab_.end()) {
        problem = absl::StrCat("merge result \"", merged, "\" is not in the vocabulary");
      }
    }
    if (problem.has_value()) return JsonError(JsonPath(where, rank), *problem);
    // A repeated pair keeps its last rank, as HF's HashMap collect does.
    merges_[PairKey(left_it->second, right_it->second)] =
        Merge{static_cast<int32_t>(rank), merged_it->second};
  }
  return absl::OkStatus();
}

std::optional<int32_t> BpeModel::TokenToId(std::string_view token) const {
  auto it = vocab_.find(absl::string_view(token.data(), token.size()));
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

const BpeModel::Merge* BpeModel::FindMerge(int32_t left, int32_t right) const {
  auto it = merges_.find(PairKey(left, right));
  return it == merges_.end() ? nullptr : &it->second;
}

absl::Status BpeModel::InitialSymbols(std::string_view word, std::vector<Symbol>* symbols) const {
  int32_t pending_unk = -1;  // unk id waiting to be added (fuse_unk)
  const auto add = [symbols](int32_t id) { symbols->push_back(Symbol{id, -1, -1, true}); };
  std::string piece;
  size_t pos = 0;
  while (pos < word.size()) {
    const size_t start = pos;
    pos += Utf8SequenceLength(static_cast<unsigned char>(word[pos]));
    piece.clear();
    if (start != 0) piece += continuing_subword_prefix_;
    piece.append(word.substr(start, pos - start));
    if (pos >= word.size()) piece += end_of_word_suffix_;
    if (auto it = vocab_.find(piece); it != vocab_.end()) {
      if (pending_unk >= 0) add(pending_unk);
      pending_unk = -1;
      add(it->second);
      continue;
    }
    if (byte_fallback_) {
      bool all_bytes = true;
      for (char c : piece) all_bytes &= byte_ids_[static_cast<uint8_t>(c)] >= 0;
      if (all_bytes) {
        // HF does not flush a pending unk here; it comes after these bytes.
        for (char c : piece) add(byte_ids_[static_cast<uint8_t>(c)]);
        continue;
      }
    }
    if (!unk_token_.has_value()) continue;  // no unk token: dropped
    auto unk = vocab_.find(*unk_token_);
    if (unk == vocab_.end()) {
      return absl::FailedPreconditionError(absl::StrCat("BPE unk_token \"", *unk_token_,
                                                        "\" is not in the vocabulary, but \"",
                                                        piece, "\" needs it"));
    }
    if (pending_unk >= 0 && !fuse_unk_) add(pending_unk);
    pending_unk = unk->second;
  }
  if (pending_unk >= 0) add(pending_unk);
  for (size_t i = 0; i < symbols->size(); ++i) {
    (*symbols)[i].prev = static_cast<int32_t>(i) - 1;
    (*symbols)[i].next = i + 1 < symbols->size() ? static_cast<int32_t>(i + 1) : -1;
  }
  return absl::OkStatus();
}

void BpeModel::MergeAll(std::vector<Symbol>* symbols) const {
  std::vector<Symbol>& s = *symbols;
  std::priority_queue<QueuedMerge, std::vector<QueuedMerge>, LaterMerge> queue;
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    if (const Merge* m = FindMerge(s[i].id, s[i + 1].id)) {
      queue.push({m->rank, static_cast<int32_t>(i), m->new_id});
    }
  }
  while (!queue.empty()) {
    const QueuedMerge top = queue.top();
    queue.pop();
    Symbol& left = s[top.pos];
    if (!left.alive || left.next < 0) continue;
    Symbol& right = s[left.next];
    // Skip entries made stale by an earlier merge of either symbol.
    const Merge* current = FindMerge(left.id, right.id);
    if (current == nullptr || current->new_id != top.new_id) continue;
    left.id = top.new_id;
    right.alive = false;
    left.next = right.next;
    if (left.next >= 0) s[left.next].prev = top.pos;
    if (left.prev >= 0) {
      if (const Merge* m = FindMerge(s[left.prev].id, left.id)) {
        queue.push({m->rank, left.prev, m->new_id});
      }
    }
    if (left.next >= 0) {
      if (const Merge* m = FindMerge(left.id, s[left.next].id)) {
        queue.push({m->rank, top.pos, m->new_id});
      }
    }
  }
}

absl::Status BpeModel::Tokenize(std::string_view word, std::vector<int32_t>* ids) const {
  if (word.empty()) return absl::OkStatus();
  if (ignore_merges_) {
    if (auto it = vocab_.find(absl::string_view(word.data(), word.size())); it != vocab_.end()) {
      ids->push_back(it->second);
      return absl::OkStatus();
    }
  }
  std::vector<Symbol> symbols;
  symbols.reserve(word.size());
  TANDEM_RETURN_IF_ERROR(InitialSymbols(word, &symbols));
  MergeAll(&symbols);
  for (const Symbol& symbol : symbols) {
    if (symbol.alive) ids->push_back(symbol.id);
  }
  return absl::OkStatus();
}

}  // namespace tandem::model::tokenizer
