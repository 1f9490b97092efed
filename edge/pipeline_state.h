#ifndef TANDEM_EDGE_PIPELINE_STATE_H_
#define TANDEM_EDGE_PIPELINE_STATE_H_

#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "common/wire/messages.h"
#include "edge/drafter.h"

namespace tandem::edge {

// A correction branch (design §6): what the edge would draft after a
// rejection at `position` if the cloud's correction there were `root`.
struct CorrectionBranch {
  uint32_t position = 0;
  int32_t root = 0;
  std::vector<DraftedToken> drafted;
};

// Where the next correction branch should grow: the token it replaces (at
// `position`, in the chunk or branch `parent_seq`), one of that token's
// runner-ups as its root, the epoch a rejection there opens, its estimated
// chance of being taken, and the sequence to draft it after (everything
// before `position` on the parent's path, then `root`).
struct BranchTarget {
  uint32_t parent_seq = 0;
  uint32_t epoch = 0;
  uint32_t position = 0;
  int32_t root = 0;
  double score = 0;
  std::vector<int32_t> sequence;
};

struct PipelineOptions {
  int chunk_tokens = 4;  // gamma: drafted tokens per chunk
  int min_chunk = 1;     // a chunk may be cut this short when the cloud idles
  int draft_ahead = 16;  // D: drafted tokens beyond the last verdict, at most
  // Correction branches sent and not yet ruled out, at most: bounds the
  // edge's memory and uplink bytes while a stalled link delays verdicts.
  int max_outstanding_branches = 64;
  // The first position that can never be committed: the token budget's end
  // (prompt + max tokens), or the cloud's context less room for the token
  // after a chunk, whichever comes first. A correction branch roots before
  // it with room for at least one draft (NextBranchTarget), and holds no
  // draft at or past it: drafts there would cost uplink bytes and the
  // cloud's time and could only be thrown away.
  int64_t end_position = std::numeric_limits<int64_t>::max();
};

// Bookkeeping of the asynchronous pipeline on the edge (design §6), free of
// threads, clocks and sockets so its ordering and epoch rules are unit
// tested with scripted verdicts:
//  - drafted tokens go into the open chunk; TakeChunk turns it into an
//    in-flight chunk with the next sequence number, the current epoch and
//    the committed-but-unsent prefix (a correction) in front;
//  - verdicts arrive in chunk order. An all-accepted verdict commits its
//    chunk. A rejection commits the accepted part, hands back the rejected
//    draft (its q~ resolves the correction), discards every later in-flight
//    chunk and the open chunk (their tokens were drafted on a rejected
//    token), and bumps the epoch; verdicts of older epochs are ignored.
// Tokens are "committed" here when the cloud verified them; the caller
// streams them and decides when generation ends.
class PipelineState {
 public:
  PipelineState(PipelineOptions options, std::vector<int32_t> prompt);

  // committed tokens, then every drafted token not yet verified (in-flight
  // chunks, then the open chunk): the context the next draft extends.
  std::vector<int32_t> SpeculativeSequence() const;
  const std::vector<int32_t>& committed() const { return committed_; }

  // Drafted tokens not yet verified (in flight + open chunk).
  int64_t ahead() const;
  bool CanDraft() const { return ahead() < options_.draft_ahead; }
  void AddDrafted(DraftedToken token) { open_chunk_.push_back(std::move(token)); }
  int open_chunk_size() const { return static_cast<int>(open_chunk_.size()); }
  int in_flight_chunks() const { return static_cast<int>(in_flight_.size()); }

  // Whether the open chunk should be sent now: it is full, or the cloud has
  // nothing to verify (no chunk in flight) and it holds min_chunk tokens, or
  // the caller will draft no more (`no_more_drafts`).
  bool ShouldSend(bool no_more_drafts) const;

  // Moves the open chunk (plus any unsent committed prefix) in flight and
  // returns what to send. Precondition: the open chunk or the prefix is
  // non-empty.
  // `sent_at_us` (the caller's clock) is kept for branch scoring.
  wire::DraftChunk TakeChunk(int64_t sent_at_us = 0);

  struct Outcome {
    bool stale = false;                    // an older epoch's verdict: ignored
    bool branch = false;                   // the verdict of a correction branch followed
    std::vector<int32_t> committed;        // newly verified drafted tokens
    std::optional<DraftedToken> rejected;  // the rejected draft, if any
    int64_t rejected_position = -1;
    int64_t wasted_tokens = 0;    // drafted tokens discarded
    int64_t verified_drafts = 0;  // drafted tokens the verdict judged
  };
  // Applies a verdict from the cloud. InvalidArgument if it does not match
  // the oldest in-flight chunk of the current epoch.
  absl::StatusOr<Outcome> Apply(const wire::ChunkVerdict& verdict);

  // After a rejection: the resolved correction token is committed. If a
  // branch rooted at it, replacing the rejected token, was sent (TakeBranch)
  // before this rejection's verdict was applied, the cloud verifies that
  // branch next: its drafts go in flight as the new epoch's chunk (its own
  // sent branches stay candidates) and this returns true. Otherwise the
  // token travels as the prefix of the next chunk.
  bool CommitCorrection(int32_t token);

  // The unsent branch most likely to be taken, among the first `roots`
  // runner-ups of each drafted token in flight or in a branch sent and not
  // yet ruled out (branches of branches), or nothing. A branch at the k-th
  // unverified token of a chunk in flight, rooted at r, is taken when the k
  // tokens before are accepted, the token is rejected, and the correction is
  // r: scored alpha^k * q(r), with the draft's q(r) standing in for
  // P(reject) * P(correction = r | reject) (q(x) + sum_r q(r) <= 1). Within
  // a sent branch the score is that branch's times the same product.
  // DraftedToken::runner_up_probs must hold one entry per runner-up.
  // With `rtt_us` > 0 the score is also weighted by the share of a round
  // trip the branch can still save: a rejection in a chunk sent at t shows on
  // the cloud at t + RTT/2 and, without a branch, its correction arrives at
  // t + 3 RTT/2; a branch sent at `now_us` arrives at now + RTT/2, saving
  // RTT - (now - t) (Within a branch: t is that branch's send time.)
  // Branches scored below `min_score` are not worth their bytes; nothing
  // either while max_outstanding_branches are outstanding, nor rooted where
  // no draft fits before options().end_position.
  std::optional<BranchTarget> NextBranchTarget(int roots, double alpha, double min_score = 0.0,
                                               int64_t now_us = 0, int64_t rtt_us = 0) const;
  // Records the branch drafted for `target` as sent and returns its chunk:
  // the target's epoch and parent, the next seq, the root as prefix.
  wire::DraftChunk TakeBranch(const BranchTarget& target, std::vector<DraftedToken> drafted,
                              int64_t sent_at_us = 0);

  // When the cloud runs out of work, on the sender's clock: if the chunks in
  // flight (and taken branches) each take it `verify_us` from the later of
  // their send time and the end of the previous one, the fold
  //   h = max(h, sent_at_us) + verify_us
  // over them in order (0 with nothing in flight). Chunk and verdict cross
  // the same link, so a chunk sent before h keeps the cloud busy. A lower
  // bound: a chunk cannot start before it is sent, so the next chunk is
  // never judged less urgent than it is.
  int64_t CloudBusyUntilUs(int64_t verify_us) const;

  // The adaptive controller changes gamma and D between verdicts.
  void set_options(const PipelineOptions& options) { options_ = options; }
  const PipelineOptions& options() const { return options_; }

  uint32_t epoch() const { return epoch_; }
  uint32_t next_seq() const { return next_seq_; }

 private:
  struct InFlight {
    uint32_t seq;
    uint32_t epoch;
    uint32_t base_position;
    std::vector<DraftedToken> drafted;
    bool branch = false;     // a correction branch the cloud took
    int64_t sent_at_us = 0;  // TakeChunk's / TakeBranch's
  };

  struct SentBranch {
    uint32_t seq;
    uint32_t parent_seq;
    uint32_t epoch;
    double score;
    int64_t sent_at_us;
    std::vector<int32_t> sequence;  // before its position, then its root
    CorrectionBranch branch;
  };
  // Keeps the sent branches the cloud may still take: those whose parent is
  // a chunk in flight or a sent branch kept (in send order, parents first).
  void PruneBranches();

  PipelineOptions options_;
  std::vector<SentBranch> sent_branches_;
  // The chunk whose rejection awaits CommitCorrection (at committed_.size()).
  uint32_t rejected_seq_ = 0;
  std::vector<int32_t> committed_;      // prompt + verified tokens
  std::vector<int32_t> unsent_prefix_;  // committed, not yet sent to the cloud
  std::deque<InFlight> in_flight_;
  std::vector<DraftedToken> open_chunk_;
  uint32_t epoch_ = 0;
  uint32_t next_seq_ = 0;
};

}  // namespace tandem::edge

#endif  // TANDEM_EDGE_PIPELINE_STATE_H_
