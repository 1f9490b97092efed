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

wire::DraftChunk PipelineState::TakeChunk(int64_t sent_at_us) {
  ABSL_CHECK(!open_chunk_.empty() || !unsent_prefix_.empty());
  uint32_t base_position = static_cast<uint32_t>(committed_.size() - unsent_prefix_.size());
  for (const InFlight& f : in_flight_) base_position += static_cast<uint32_t>(f.drafted.size());
  wire::DraftChunk chunk =
      MakeDraftChunk(epoch_, next_seq_++, base_position, unsent_prefix_, open_chunk_);
  chunk.sent_at_us = sent_at_us;
  in_flight_.push_back({chunk.seq, chunk.epoch, chunk.base_position + chunk.n_prefix,
                        std::move(open_chunk_), /*branch=*/false, sent_at_us});
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
  outcome.branch = chunk.branch;
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
  rejected_seq_ = chunk.seq;
  outcome.wasted_tokens = static_cast<int64_t>(chunk.drafted.size() - verdict.n_accepted);
  for (const InFlight& later : in_flight_) {
    outcome.wasted_tokens += static_cast<int64_t>(later.drafted.size());
  }
  outcome.wasted_tokens += static_cast<int64_t>(open_chunk_.size());
  in_flight_.clear();
  open_chunk_.clear();
  ++epoch_;
  // Branches stay until CommitCorrection knows which one, if any, is taken.
  return outcome;
}

bool PipelineState::CommitCorrection(int32_t token) {
  const uint32_t position = static_cast<uint32_t>(committed_.size());
  committed_.push_back(token);
  auto taken = std::find_if(sent_branches_.begin(), sent_branches_.end(), [&](const SentBranch& b) {
    return b.parent_seq == rejected_seq_ && b.branch.position == position &&
           b.branch.root == token && b.epoch == epoch_;
  });
  if (taken == sent_branches_.end()) {
    unsent_prefix_.push_back(token);
    sent_branches_.clear();
    return false;
  }
  in_flight_.push_back({taken->seq, epoch_, position + 1, std::move(taken->branch.drafted),
                        /*branch=*/true, taken->sent_at_us});
  sent_branches_.erase(taken);
  PruneBranches();  // keeps the taken branch's own branches
  return true;
}

int64_t PipelineState::CloudBusyUntilUs(int64_t verify_us) const {
  int64_t busy_until = 0;
  for (const InFlight& chunk : in_flight_) {
    busy_until = std::max(busy_until, chunk.sent_at_us) + verify_us;
  }
  return busy_until;
}

void PipelineState::PruneBranches() {
  std::vector<uint32_t> parents;  // seqs a kept branch may hang from
  for (const InFlight& chunk : in_flight_) parents.push_back(chunk.seq);
  std::vector<SentBranch> kept;
  for (SentBranch& b : sent_branches_) {
    if (std::find(parents.begin(), parents.end(), b.parent_seq) == parents.end()) continue;
    parents.push_back(b.seq);
    kept.push_back(std::move(b));
  }
  sent_branches_ = std::move(kept);
}

std::optional<BranchTarget> PipelineState::NextBranchTarget(int roots, double alpha,
                                                            double min_score, int64_t now_us,
                                                            int64_t rtt_us) const {
  if (static_cast<int>(sent_branches_.size()) >= options_.max_outstanding_branches) {
    return std::nullopt;
  }
  // The share of a round trip a branch of a chunk sent at `sent_at_us` saves.
  auto urgency = [&](int64_t sent_at_us) {
    if (rtt_us <= 0) return 1.0;
    return std::max(0.0,
                    1.0 - static_cast<double>(now_us - sent_at_us) / static_cast<double>(rtt_us));
  };
  // The best candidate so far; its sequence is built once, at the end:
  // `within` is the sent branch it grows from (null: the chunks in flight),
  // `offset` how many of that path's drafted tokens precede it.
  std::optional<BranchTarget> best;
  const SentBranch* best_within = nullptr;
  size_t best_offset = 0;
  // Offers the runner-ups of `token` (at `position`, in chunk or branch
  // `parent`) if they beat the best so far.
  auto consider = [&](const DraftedToken& token, uint32_t parent, uint32_t epoch, uint32_t position,
                      double reach, const SentBranch* within, size_t offset) {
    if (static_cast<int64_t>(position) + 1 >= options_.end_position) return;  // no room for a draft
    const size_t n = std::min<size_t>(token.runner_ups.size(), std::max(0, roots));
    for (size_t r = 0; r < n; ++r) {
      const double score = reach * static_cast<double>(token.runner_up_probs[r]);
      if (score <= 0 || score < min_score || (best && score <= best->score)) continue;
      const int32_t root = token.runner_ups[r];
      const bool sent =
          std::any_of(sent_branches_.begin(), sent_branches_.end(), [&](const SentBranch& b) {
            return b.parent_seq == parent && b.branch.position == position && b.branch.root == root;
          });
      if (sent) continue;
      best = BranchTarget{parent, epoch + 1, position, root, score, {}};
      best_within = within;
      best_offset = offset;
    }
  };
  uint32_t position = static_cast<uint32_t>(committed_.size());
  size_t offset = 0;
  double reach = 1.0;  // alpha^k
  for (const InFlight& chunk : in_flight_) {
    for (const DraftedToken& token : chunk.drafted) {
      consider(token, chunk.seq, chunk.epoch, position++, reach * urgency(chunk.sent_at_us),
               nullptr, offset++);
      reach *= alpha;
    }
  }
  for (const SentBranch& b : sent_branches_) {
    double within = b.score;
    for (size_t i = 0; i < b.branch.drafted.size(); ++i) {
      consider(b.branch.drafted[i], b.seq, b.epoch,
               b.branch.position + 1 + static_cast<uint32_t>(i), within * urgency(b.sent_at_us), &b,
               i);
      within *= alpha;
    }
  }
  if (!best) return best;
  if (best_within == nullptr) {
    best->sequence = committed_;
    for (const InFlight& chunk : in_flight_) {
      for (const DraftedToken& token : chunk.drafted) {
        if (best->sequence.size() == best->position) break;
        best->sequence.push_back(token.id);
      }
    }
  } else {
    best->sequence = best_within->sequence;
    for (size_t i = 0; i < best_offset; ++i) {
      best->sequence.push_back(best_within->branch.drafted[i].id);
    }
  }
  best->sequence.push_back(best->root);
  return best;
}

wire::DraftChunk PipelineState::TakeBranch(const BranchTarget& target,
                                           std::vector<DraftedToken> drafted, int64_t sent_at_us) {
  ABSL_CHECK(!drafted.empty());
  wire::DraftChunk chunk =
      MakeDraftChunk(target.epoch, next_seq_++, target.position, {target.root}, drafted);
  chunk.branch = true;
  chunk.parent_seq = target.parent_seq;
  chunk.sent_at_us = sent_at_us;
  sent_branches_.push_back({chunk.seq, target.parent_seq, target.epoch, target.score, sent_at_us,
                            target.sequence,
                            CorrectionBranch{target.position, target.root, std::move(drafted)}});
  return chunk;
}

}  // namespace tandem::edge
