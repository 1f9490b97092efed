#include "edge/pipeline_state.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/base/logging.h"

namespace tandem::edge {

PipelineState::PipelineState(PipelineOptions options, std::vector<int32_t> prompt)
    : options_(options), committed_(std::move(prompt)) {}

std::vector<int32_t> PipelineState::SpeculativeSequence() const {
  std::vector<int32_t> sequence = committed_;
  for (const InFlight& chunk : in_flight_) {
    for (const DraftedToken& t : chunk.drafted) sequence.push_back(t.id);
  }
  for (const DraftedToken& t : open_chunk_) sequence.push_back(t.id);
  return sequence;
}

int64_t PipelineState::ahead() const {
  int64_t n = static_cast<int64_t>(open_chunk_.size());
  for (const InFlight& chunk : in_flight_) n += static_cast<int64_t>(chunk.drafted.size());
  return n;
}

bool PipelineState::ShouldSend(bool no_more_drafts) const {
  const int open = open_chunk_size();
  if (open == 0) return no_more_drafts && !unsent_prefix_.empty();
  if (open >= options_.chunk_tokens || no_more_drafts) return true;
  // Latency-aware cut: the cloud would idle, so send what we have.
  return in_flight_.empty() && open >= options_.min_chunk;
}

wire::DraftChunk PipelineState::TakeChunk() {
  ABSL_CHECK(!open_chunk_.empty() || !unsent_prefix_.empty());
  uint32_t base_position = static_cast<uint32_t>(committed_.size() - unsent_prefix_.size());
  for (const InFlight& f : in_flight_) base_position += static_cast<uint32_t>(f.drafted.size());
  wire::DraftChunk chunk =
      MakeDraftChunk(epoch_, next_seq_++, base_position, unsent_prefix_, open_chunk_);
  in_flight_.push_back(
      {chunk.seq, chunk.epoch, chunk.base_position + chunk.n_prefix, std::move(open_chunk_)});
  open_chunk_.clear();
  unsent_prefix_.clear();
  return chunk;
}

absl::StatusOr<PipelineState::Outcome> PipelineState::Apply(const wire::ChunkVerdict& verdict) {
  Outcome outcome;
  if (verdict.epoch < epoch_) {
    outcome.stale = true;
    return outcome;
  }
  if (in_flight_.empty() || verdict.epoch != in_flight_.front().epoch ||
      verdict.seq != in_flight_.front().seq) {
    return absl::InvalidArgumentError(
        absl::StrCat("verdict for epoch ", verdict.epoch, " seq ", verdict.seq,
                     " does not answer the oldest chunk in flight",
                     in_flight_.empty() ? std::string(" (none)")
                                        : absl::StrCat(" (epoch ", in_flight_.front().epoch,
                                                       " seq ", in_flight_.front().seq, ")")));
  }
  InFlight chunk = std::move(in_flight_.front());
  in_flight_.pop_front();
  outcome.verified_drafts = static_cast<int64_t>(chunk.drafted.size());
  if (verdict.n_accepted > chunk.drafted.size()) {
    return absl::InvalidArgumentError(absl::StrCat("verdict accepts ", verdict.n_accepted, " of ",
                                                   chunk.drafted.size(), " tokens"));
  }
  for (uint32_t i = 0; i < verdict.n_accepted; ++i) {
    outcome.committed.push_back(chunk.drafted[i].id);
    committed_.push_back(chunk.drafted[i].id);
  }
  if (verdict.kind == wire::VerdictKind::kAllAccepted) {
    if (verdict.n_accepted != chunk.drafted.size()) {
      return absl::InvalidArgumentError("an all-accepted verdict must accept the whole chunk");
    }
    PruneBranches();
    return outcome;
  }
  if (verdict.n_accepted >= chunk.drafted.size()) {
    return absl::InvalidArgumentError("a rejection must name a drafted token");
  }
  outcome.rejected = std::move(chunk.drafted[verdict.n_accepted]);
  outcome.rejected_position = static_cast<int64_t>(committed_.size());
  outcome.wasted_tokens = static_cast<int64_t>(chunk.drafted.size() - verdict.n_accepted);
  for (const InFlight& later : in_flight_) {
    outcome.wasted_tokens += static_cast<int64_t>(later.drafted.size());
  }
  outcome.wasted_tokens += static_cast<int64_t>(open_chunk_.size());
  in_flight_.clear();
  open_chunk_.clear();
  ++epoch_;
  PruneBranches();
  return outcome;
}

bool PipelineState::CommitCorrection(int32_t token) {
  const uint32_t position = static_cast<uint32_t>(committed_.size());
  committed_.push_back(token);
  auto taken = std::find_if(sent_branches_.begin(), sent_branches_.end(), [&](const SentBranch& b) {
    return b.branch.position == position && b.branch.root == token;
  });
  if (taken == sent_branches_.end()) {
    unsent_prefix_.push_back(token);
    sent_branches_.clear();
    return false;
  }
  in_flight_.push_back({taken->seq, epoch_, position + 1, std::move(taken->branch.drafted)});
  // Any other branch at this position is for another correction.
  sent_branches_.clear();
  return true;
}

void PipelineState::PruneBranches() {
  // A branch can be taken while its position is the next one to verify in
  // epoch_ (it was sent for epoch_ + 1 before a rejection there, which bumps
  // the epoch: Apply has already bumped it when this runs after a rejection).
  const uint32_t next = static_cast<uint32_t>(committed_.size());
  sent_branches_.erase(
      std::remove_if(sent_branches_.begin(), sent_branches_.end(),
                     [&](const SentBranch& b) { return b.branch.position < next; }),
      sent_branches_.end());
}

std::optional<BranchTarget> PipelineState::NextBranchTarget(int roots, double alpha,
                                                            double min_score) const {
  std::optional<BranchTarget> best;
  double best_score = min_score;
  std::vector<int32_t> sequence = committed_;
  double reach = 1.0;  // alpha^k
  for (const InFlight& chunk : in_flight_) {
    if (chunk.epoch != epoch_) continue;
    for (const DraftedToken& token : chunk.drafted) {
      const uint32_t position = static_cast<uint32_t>(sequence.size());
      const size_t n = std::min<size_t>(token.runner_ups.size(), std::max(0, roots));
      for (size_t r = 0; r < n; ++r) {
        const int32_t root = token.runner_ups[r];
        const double score = reach * (r < token.runner_up_probs.size()
                                          ? static_cast<double>(token.runner_up_probs[r])
                                          : 1.0 / static_cast<double>(r + 2));
        if (score < best_score || (best && score == best_score)) continue;
        const bool sent =
            std::any_of(sent_branches_.begin(), sent_branches_.end(), [&](const SentBranch& b) {
              return b.branch.position == position && b.branch.root == root;
            });
        if (sent) continue;
        best = BranchTarget{position, root, sequence};
        best->sequence.push_back(root);
        best_score = score;
      }
      sequence.push_back(token.id);
      reach *= alpha;
    }
  }
  return best;
}

wire::DraftChunk PipelineState::TakeBranch(CorrectionBranch branch) {
  ABSL_CHECK(!branch.drafted.empty());
  wire::DraftChunk chunk =
      MakeDraftChunk(epoch_ + 1, next_seq_++, branch.position, {branch.root}, branch.drafted);
  chunk.branch = true;
  sent_branches_.push_back({chunk.seq, std::move(branch)});
  return chunk;
}

}  // namespace tandem::edge
