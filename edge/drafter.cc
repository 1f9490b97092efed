#include "edge/drafter.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base/status_macros.h"
#include "common/spec/categorical.h"
#include "common/spec/logits_warper.h"

namespace tandem::edge {

wire::DraftChunk MakeDraftChunk(uint32_t epoch, uint32_t seq, uint32_t base_position,
                                const std::vector<int32_t>& prefix,
                                absl::Span<const DraftedToken> drafted) {
  wire::DraftChunk chunk;
  chunk.epoch = epoch;
  chunk.seq = seq;
  chunk.base_position = base_position;
  chunk.tokens = prefix;
  chunk.n_prefix = static_cast<uint32_t>(prefix.size());
  for (const DraftedToken& t : drafted) {
    chunk.tokens.push_back(t.id);
    chunk.q_masses.push_back(t.q_mass);
    chunk.sparse_q.push_back(t.sparse_q);
  }
  return chunk;
}

absl::StatusOr<std::unique_ptr<Drafter>> Drafter::Create(const model::LlamaModel& model,
                                                         const Options& options) {
  TANDEM_RETURN_IF_ERROR(options.sampling.Validate());
  if (options.vocab_size <= 0 || options.vocab_size > model.config().vocab_size) {
    return absl::InvalidArgumentError(absl::StrCat("tokenizer vocabulary ", options.vocab_size,
                                                   " does not fit the draft model's ",
                                                   model.config().vocab_size, " embedding rows"));
  }
  TANDEM_ASSIGN_OR_RETURN(auto cache, model.NewCache(options.capacity));
  return std::unique_ptr<Drafter>(new Drafter(model, options, std::move(cache)));
}

Drafter::Drafter(const model::LlamaModel& model, Options options,
                 std::unique_ptr<model::KvCache> cache)
    : model_(model), options_(std::move(options)), rng_(options_.seed), cache_(std::move(cache)) {}

namespace {

// The `count` highest-scoring ids other than `chosen` with a positive
// `weight` (when `positive_only`), highest first; ties keep lower ids first.
std::vector<int32_t> RunnerUps(absl::Span<const float> score, int32_t chosen, int count,
                               bool positive_only) {
  std::vector<int32_t> ids;
  for (int32_t id = 0; id < static_cast<int32_t>(score.size()); ++id) {
    if (id != chosen && (!positive_only || score[id] > 0.0f)) ids.push_back(id);
  }
  const size_t n = std::min<size_t>(ids.size(), static_cast<size_t>(std::max(0, count)));
  std::partial_sort(
      ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(n), ids.end(),
      [&](int32_t a, int32_t b) { return score[a] > score[b] || (score[a] == score[b] && a < b); });
  ids.resize(n);
  return ids;
}

}  // namespace

DraftedToken Drafter::Choose(absl::Span<const float> logits_row, int64_t position) const {
  const absl::Span<const float> logits = logits_row.subspan(0, options_.vocab_size);
  const std::vector<float> q = spec::WarpLogits(logits, options_.sampling);
  DraftedToken token;
  if (options_.sampling.greedy()) {
    token.id = spec::Argmax(q);
    token.confidence = 1.0f;
    if (options_.runner_ups > 0) {
      token.runner_ups = RunnerUps(logits, token.id, options_.runner_ups, false);
      // softmax(logits)[r] = exp(l_r - max) / sum_v exp(l_v - max).
      const float max_logit = logits[token.id];
      double sum = 0;
      for (float l : logits) sum += std::exp(static_cast<double>(l - max_logit));
      for (int32_t r : token.runner_ups) {
        token.runner_up_probs.push_back(
            static_cast<float>(std::exp(static_cast<double>(logits[r] - max_logit)) / sum));
      }
    }
    return token;
  }
  const double u = rng_.Uniform(position, spec::RngPurpose::kDraftSample);
  if (options_.proposal == ProposalKind::kSparse) {
    token.sparse_q = spec::SparsifyFixed16(q, options_.sparse_top_k);
    token.id = spec::SampleSparse(token.sparse_q, u);
    token.q_mass = token.sparse_q.MassOf(token.id);
  } else {
    token.q_masses = spec::QuantizeFixed16(q);
    token.id = spec::SampleFixed16(token.q_masses, u);
    token.q_mass = token.q_masses[token.id];
  }
  token.confidence = q[token.id];
  if (options_.runner_ups > 0) {
    token.runner_ups = RunnerUps(q, token.id, options_.runner_ups, true);
    for (int32_t r : token.runner_ups) token.runner_up_probs.push_back(q[r]);
  }
  return token;
}

absl::StatusOr<std::vector<DraftedToken>> Drafter::Propose(const std::vector<int32_t>& sequence,
                                                           int n) {
  if (sequence.empty()) return absl::InvalidArgumentError("cannot draft after an empty sequence");
  if (static_cast<int64_t>(sequence.size()) + n > cache_->capacity()) {
    return absl::ResourceExhaustedError(absl::StrCat("drafting ", n, " tokens after ",
                                                     sequence.size(), " exceeds the draft context ",
                                                     cache_->capacity()));
  }
  // Keep the agreeing prefix of the cache. When it covers the whole sequence
  // the logits of the last forward predict the next position; otherwise (or
  // if they were not kept) re-run from the first disagreeing token.
  size_t keep = 0;
  const size_t limit = std::min(cached_.size(), sequence.size());
  while (keep < limit && cached_[keep] == sequence[keep]) ++keep;
  const bool reuse = keep == sequence.size() && keep == cached_.size() && !next_logits_.empty();
  if (!reuse && keep == sequence.size()) --keep;
  TANDEM_RETURN_IF_ERROR(cache_->Truncate(static_cast<int64_t>(keep)));
  cached_.resize(keep);

  const absl::Time start = absl::Now();
  std::vector<int32_t> input(sequence.begin() + keep, sequence.end());
  std::vector<DraftedToken> drafted;
  for (int i = 0; i < n; ++i) {
    if (!input.empty()) {
      TANDEM_ASSIGN_OR_RETURN(model::Logits logits,
                              model_.Forward(input, *cache_, model::LogitRows::kLast));
      cached_.insert(cached_.end(), input.begin(), input.end());
      next_logits_ = std::move(logits.values);
    }
    drafted.push_back(Choose(next_logits_, static_cast<int64_t>(cached_.size())));
    input = {drafted.back().id};
  }
  model_time_ += absl::Now() - start;
  return drafted;
}

}  // namespace tandem::edge
