#include "edge/pipeline_state.h"

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
  return outcome;
}

void PipelineState::CommitCorrection(int32_t token) {
  committed_.push_back(token);
  unsent_prefix_.push_back(token);
}

}  // namespace tandem::edge
