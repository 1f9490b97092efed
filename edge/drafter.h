#ifndef TANDEM_EDGE_DRAFTER_H_
#define TANDEM_EDGE_DRAFTER_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/model/llama_model.h"
#include "common/spec/counter_rng.h"
#include "common/spec/quantized_distribution.h"
#include "common/spec/sampling_params.h"
#include "common/wire/messages.h"

namespace tandem::edge {

// How the edge proposes tokens, matching the session's verification mode.
enum class ProposalKind {
  kDense,   // x ~ q~ = QuantizeFixed16(q): exact and topk modes
  kSparse,  // x ~ q^ = SparsifyFixed16(q, k): sparse-draft mode
};

// One proposed token and the draft distribution it was sampled from.
struct DraftedToken {
  int32_t id = 0;
  uint32_t q_mass = 0;                // q~(id) or q^(id) out of 65536 (sampled)
  std::vector<uint32_t> q_masses;     // dense q~, [vocab] (kDense, sampled)
  spec::SparseDistribution sparse_q;  // q^ (kSparse, sampled)
  float confidence = 1.0f;            // the draft's own q(id) before quantization
  // The draft's next most likely tokens after `id`, most likely first
  // (Options::runner_ups of them): guesses of the correction if `id` is
  // rejected, the roots of correction branches; and their draft
  // probabilities (greedy: softmax of the logits at temperature 1; sampled:
  // q, positive mass only).
  std::vector<int32_t> runner_ups;
  std::vector<float> runner_up_probs;
};

// Starts a chunk of `epoch`/`seq` at `base_position`: the already-committed
// `prefix` tokens, then `drafted` with their q~ masses and sparse q^.
wire::DraftChunk MakeDraftChunk(uint32_t epoch, uint32_t seq, uint32_t base_position,
                                const std::vector<int32_t>& prefix,
                                absl::Span<const DraftedToken> drafted);

// Runs the draft model on the edge: keeps its KV cache in step with the
// committed sequence and proposes tokens after it. Greedy proposals are the
// argmax; sampled ones use CounterRng(seed) at (position, kDraftSample), so a
// proposal is a pure function of the prefix and the seed.
class Drafter {
 public:
  struct Options {
    spec::SamplingParams sampling;
    uint64_t seed = 0;
    ProposalKind proposal = ProposalKind::kDense;
    int sparse_top_k = 8;    // support of q^ in sparse-draft mode
    int32_t vocab_size = 0;  // tokenizer vocabulary: distributions cover [0, vocab_size)
    int64_t capacity = 0;    // most tokens the sequence may reach
    int runner_ups = 0;      // DraftedToken::runner_ups to fill
  };

  static absl::StatusOr<std::unique_ptr<Drafter>> Create(const model::LlamaModel& model,
                                                         const Options& options);

  // Proposes `n` tokens following `sequence` (the committed tokens). The
  // cache keeps whatever prefix of its contents still agrees with
  // `sequence`, so after a rejection only the new tail is recomputed.
  absl::StatusOr<std::vector<DraftedToken>> Propose(const std::vector<int32_t>& sequence, int n);

  absl::Duration model_time() const { return model_time_; }

 private:
  Drafter(const model::LlamaModel& model, Options options, std::unique_ptr<model::KvCache> cache);
  DraftedToken Choose(absl::Span<const float> logits_row, int64_t position) const;

  const model::LlamaModel& model_;
  const Options options_;
  const spec::CounterRng rng_;
  std::unique_ptr<model::KvCache> cache_;
  std::vector<int32_t> cached_;  // tokens whose keys/values are in cache_
  // Logits predicting position cached_.size() from the last forward, so
  // drafting one token at a time needs one forward per token.
  std::vector<float> next_logits_;  // [vocab] or empty
  absl::Duration model_time_;
};

}  // namespace tandem::edge

#endif  // TANDEM_EDGE_DRAFTER_H_
