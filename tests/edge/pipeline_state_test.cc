// PipelineState: ordering and epoch rules of the asynchronous pipeline with
// scripted verdicts (no model, no threads, no clock).

#include "edge/pipeline_state.h"

#include <limits>

#include "catch2/catch.hpp"

namespace tandem::edge {
namespace {

DraftedToken Token(int32_t id, uint32_t q_mass = 30000) {
  DraftedToken t;
  t.id = id;
  t.q_mass = q_mass;
  return t;
}

wire::ChunkVerdict Verdict(uint32_t epoch, uint32_t seq, uint32_t n_accepted, bool rejected) {
  wire::ChunkVerdict v;
  v.epoch = epoch;
  v.seq = seq;
  v.n_accepted = n_accepted;
  v.kind = rejected ? wire::VerdictKind::kRejected : wire::VerdictKind::kAllAccepted;
  return v;
}

PipelineOptions Options(int gamma, int min_chunk, int ahead) {
  PipelineOptions o;
  o.chunk_tokens = gamma;
  o.min_chunk = min_chunk;
  o.draft_ahead = ahead;
  return o;
}

TEST_CASE("PipelineState: chunks carry consecutive seqs and contiguous positions",
          "[edge][pipeline]") {
  PipelineState state(Options(2, 2, 8), {1, 2, 3});  // prompt of 3: drafts start at 3
  state.AddDrafted(Token(10));
  CHECK_FALSE(state.ShouldSend(false));  // 1 < min_chunk and < gamma
  state.AddDrafted(Token(11));
  REQUIRE(state.ShouldSend(false));
  const wire::DraftChunk a = state.TakeChunk();
  CHECK(a.seq == 0);
  CHECK(a.epoch == 0);
  CHECK(a.base_position == 3);
  CHECK(a.tokens == std::vector<int32_t>{10, 11});
  CHECK(a.n_prefix == 0);
  state.AddDrafted(Token(12));
  state.AddDrafted(Token(13));
  const wire::DraftChunk b = state.TakeChunk();
  CHECK(b.seq == 1);
  CHECK(b.base_position == 5);  // after the 2 tokens in flight
  CHECK(state.ahead() == 4);
  CHECK(state.SpeculativeSequence() == std::vector<int32_t>{1, 2, 3, 10, 11, 12, 13});
}

TEST_CASE("PipelineState: the draft-ahead limit D bounds unverified tokens", "[edge][pipeline]") {
  PipelineState state(Options(2, 1, 3), {1});
  state.AddDrafted(Token(5));
  state.AddDrafted(Token(6));
  state.TakeChunk();
  CHECK(state.CanDraft());
  state.AddDrafted(Token(7));
  CHECK_FALSE(state.CanDraft());  // 3 drafted, none verified
  auto outcome = state.Apply(Verdict(0, 0, 2, false));
  REQUIRE(outcome.ok());
  CHECK(outcome->committed == std::vector<int32_t>{5, 6});
  CHECK(state.CanDraft());
}

TEST_CASE("PipelineState: the cloud's work horizon folds the chunks in flight",
          "[edge][pipeline]") {
  PipelineState state(Options(1, 1, 16), {1});
  CHECK(state.CloudBusyUntilUs(3000) == 0);  // nothing in flight
  // Sent at 0, 1000 and 10000 us, 3000 us each: busy until 3000, then
  // 6000 (the second waits for the first), then 13000 (an idle gap first).
  for (int64_t sent_at : {0, 1000, 10000}) {
    state.AddDrafted(Token(5));
    state.TakeChunk(sent_at);
  }
  CHECK(state.CloudBusyUntilUs(3000) == 13000);
  CHECK(state.CloudBusyUntilUs(1000) == 11000);
  // Once the first is verified the fold starts at the second.
  REQUIRE(state.Apply(Verdict(0, 0, 1, false)).ok());
  CHECK(state.CloudBusyUntilUs(6000) == 16000);  // max(1000 + 6000, 10000) + 6000
}

TEST_CASE("PipelineState: a chunk is cut short only when nothing is in flight",
          "[edge][pipeline]") {
  PipelineState state(Options(4, 1, 16), {1});
  state.AddDrafted(Token(5));
  CHECK(state.ShouldSend(false));  // the cloud would idle: send 1 token now
  state.TakeChunk();
  state.AddDrafted(Token(6));
  CHECK_FALSE(state.ShouldSend(false));  // the cloud is busy: keep filling
  CHECK(state.ShouldSend(true));         // unless no more drafts will come
}

TEST_CASE("PipelineState: a rejection flushes later chunks and bumps the epoch",
          "[edge][pipeline]") {
  PipelineState state(Options(2, 2, 16), {1, 2});
  for (int32_t id : {10, 11}) state.AddDrafted(Token(id));
  state.TakeChunk();  // seq 0: positions 2, 3
  for (int32_t id : {12, 13}) state.AddDrafted(Token(id));
  state.TakeChunk();            // seq 1: positions 4, 5
  state.AddDrafted(Token(14));  // open chunk

  // The cloud accepts 10 and rejects 11 (position 3).
  auto outcome = state.Apply(Verdict(0, 0, 1, true));
  REQUIRE(outcome.ok());
  CHECK(outcome->committed == std::vector<int32_t>{10});
  REQUIRE(outcome->rejected.has_value());
  CHECK(outcome->rejected->id == 11);
  CHECK(outcome->rejected_position == 3);
  CHECK(outcome->wasted_tokens == 4);  // 11, then 12, 13 in flight and 14 open
  CHECK(state.epoch() == 1);
  CHECK(state.ahead() == 0);

  state.CommitCorrection(99);
  CHECK(state.committed() == std::vector<int32_t>{1, 2, 10, 99});
  // The verdict of the flushed chunk (epoch 0, seq 1) is stale.
  auto stale = state.Apply(Verdict(0, 1, 2, false));
  REQUIRE(stale.ok());
  CHECK(stale->stale);
  CHECK(stale->committed.empty());

  // The next chunk starts at the correction, which travels as its prefix.
  state.AddDrafted(Token(20));
  state.AddDrafted(Token(21));
  const wire::DraftChunk next = state.TakeChunk();
  CHECK(next.epoch == 1);
  CHECK(next.seq == 2);
  CHECK(next.base_position == 3);
  CHECK(next.n_prefix == 1);
  CHECK(next.tokens == std::vector<int32_t>{99, 20, 21});
  CHECK(next.q_masses.size() == 2);  // one per drafted token, none for the prefix
  auto accepted = state.Apply(Verdict(1, 2, 2, false));
  REQUIRE(accepted.ok());
  CHECK(state.committed() == std::vector<int32_t>{1, 2, 10, 99, 20, 21});
}

TEST_CASE("PipelineState: verdicts out of order or inconsistent are refused", "[edge][pipeline]") {
  PipelineState state(Options(1, 1, 8), {1});
  state.AddDrafted(Token(5));
  state.TakeChunk();
  state.AddDrafted(Token(6));
  state.TakeChunk();
  CHECK_FALSE(state.Apply(Verdict(0, 1, 1, false)).ok());  // seq 0 must come first
  CHECK_FALSE(state.Apply(Verdict(0, 0, 2, false)).ok());  // accepts more than it has
  CHECK_FALSE(state.Apply(Verdict(3, 0, 1, false)).ok());  // an epoch from the future
}

// A drafted token with runner-ups (the roots of correction branches).
DraftedToken Guessing(int32_t id, std::vector<int32_t> runner_ups, std::vector<float> probs) {
  DraftedToken t = Token(id);
  t.runner_ups = std::move(runner_ups);
  t.runner_up_probs = std::move(probs);
  return t;
}

std::vector<DraftedToken> Drafts(std::vector<DraftedToken> tokens) { return tokens; }
std::vector<DraftedToken> Drafts(const std::vector<int32_t>& ids) {
  std::vector<DraftedToken> tokens;
  for (int32_t id : ids) tokens.push_back(Token(id));
  return tokens;
}

TEST_CASE("PipelineState: branch targets are in-flight tokens scored alpha^k q(root)",
          "[edge][pipeline]") {
  PipelineState state(Options(2, 2, 8), {1, 2});
  CHECK_FALSE(state.NextBranchTarget(2, 0.7).has_value());  // nothing in flight
  state.AddDrafted(Guessing(10, {20, 21}, {0.3f, 0.1f}));
  state.AddDrafted(Guessing(11, {30, 31}, {0.4f, 0.2f}));
  CHECK_FALSE(state.NextBranchTarget(2, 0.7).has_value());  // drafted, not sent
  state.TakeChunk();
  // Position 3 root 30: 0.7 * 0.4 = 0.28 < position 2 root 20: 0.3.
  CHECK_FALSE(state.NextBranchTarget(2, 0.7, /*min_score=*/0.31).has_value());  // best: 0.3
  std::optional<BranchTarget> first = state.NextBranchTarget(2, 0.7, /*min_score=*/0.3);
  REQUIRE(first.has_value());
  CHECK(first->position == 2);
  CHECK(first->root == 20);
  CHECK(first->sequence == std::vector<int32_t>{1, 2, 20});
  const wire::DraftChunk sent = state.TakeBranch(*first, Drafts(std::vector<int32_t>{40, 41}));
  CHECK(sent.branch);
  CHECK(sent.epoch == 1);  // the epoch a rejection at position 2 opens
  CHECK(sent.seq == 1);    // branches take seq numbers like chunks
  CHECK(sent.parent_seq == 0);
  CHECK(sent.base_position == 2);
  CHECK(sent.n_prefix == 1);
  CHECK(sent.tokens == std::vector<int32_t>{20, 40, 41});
  std::optional<BranchTarget> second = state.NextBranchTarget(2, 0.7);
  REQUIRE(second.has_value());
  CHECK(second->position == 3);
  CHECK(second->root == 30);
  CHECK(second->sequence == std::vector<int32_t>{1, 2, 10, 30});
  // With one root per token, only position 3's first runner-up is left.
  state.TakeBranch(*second, Drafts(std::vector<int32_t>{42}));
  CHECK_FALSE(state.NextBranchTarget(1, 0.7).has_value());
  CHECK(state.ahead() == 2);  // branches are not in flight until taken
}

TEST_CASE("PipelineState: a branch is weighted by the share of a round trip it can still save",
          "[edge][pipeline]") {
  PipelineState state(Options(1, 1, 8), {1});
  state.AddDrafted(Guessing(10, {20}, {0.4f}));
  state.TakeChunk(/*sent_at_us=*/1000);  // seq 0
  state.AddDrafted(Guessing(11, {21}, {0.4f}));
  state.TakeChunk(/*sent_at_us=*/40000);  // seq 1
  // RTT 50 ms, now 45 ms: seq 0 (age 44 ms) can save 12% of a round trip,
  // seq 1 (age 5 ms) 90%: 0.4 * 0.12 < 0.7 * 0.4 * 0.9.
  std::optional<BranchTarget> target = state.NextBranchTarget(1, 0.7, 0.0, 45000, 50000);
  REQUIRE(target.has_value());
  CHECK(target->parent_seq == 1);
  CHECK(target->score == Approx(0.7 * 0.4 * 0.9));
  // At 52 ms seq 0 can save nothing: only seq 1 is offered, then nothing.
  state.TakeBranch(*state.NextBranchTarget(1, 0.7, 0.0, 52000, 50000),
                   Drafts(std::vector<int32_t>{30}), 52000);
  CHECK_FALSE(state.NextBranchTarget(1, 0.7, 0.0, 52000, 50000).has_value());
  // Without an RTT the age does not count.
  CHECK(state.NextBranchTarget(1, 0.7, 0.0).has_value());
}

TEST_CASE("PipelineState: no branch roots where no draft could be committed", "[edge][pipeline]") {
  // Committed {1, 2}; positions 2, 3, 4 in flight; the budget ends at 4.
  PipelineOptions options = Options(3, 3, 8);
  options.end_position = 4;
  PipelineState state(options, {1, 2});
  state.AddDrafted(Guessing(10, {20}, {0.1f}));
  state.AddDrafted(Guessing(11, {21}, {0.9f}));  // the best root, at position 3
  state.AddDrafted(Guessing(12, {22}, {0.9f}));  // position 4: past the end
  state.TakeChunk();
  // Position 3's branch would hold drafts from position 4 on: none fits.
  std::optional<BranchTarget> target = state.NextBranchTarget(1, 0.7);
  REQUIRE(target.has_value());
  CHECK(target->position == 2);
  CHECK(target->root == 20);
  state.TakeBranch(*target, Drafts(std::vector<int32_t>{30}));
  CHECK_FALSE(state.NextBranchTarget(1, 0.7).has_value());
  // Without the bound the later roots are offered, best first.
  options.end_position = std::numeric_limits<int64_t>::max();
  state.set_options(options);
  target = state.NextBranchTarget(1, 0.7);
  REQUIRE(target.has_value());
  CHECK(target->position == 3);
}

TEST_CASE("PipelineState: outstanding branches are capped", "[edge][pipeline]") {
  PipelineOptions options = Options(4, 4, 8);
  options.max_outstanding_branches = 2;
  PipelineState state(options, {1});
  for (int32_t id = 10; id < 14; ++id) state.AddDrafted(Guessing(id, {id + 10}, {0.3f}));
  state.TakeChunk();
  state.TakeBranch(*state.NextBranchTarget(1, 0.7), Drafts(std::vector<int32_t>{50}));
  state.TakeBranch(*state.NextBranchTarget(1, 0.7), Drafts(std::vector<int32_t>{51}));
  CHECK_FALSE(state.NextBranchTarget(1, 0.7).has_value());  // two more candidates remain
  REQUIRE(state.Apply(Verdict(0, 0, 0, true)).ok());        // rules both out
  CHECK_FALSE(state.CommitCorrection(99));
  state.AddDrafted(Guessing(60, {70}, {0.3f}));
  state.TakeChunk();
  CHECK(state.NextBranchTarget(1, 0.7).has_value());
}

TEST_CASE("PipelineState: a rejection whose correction was sent as a branch continues in it",
          "[edge][pipeline]") {
  PipelineState state(Options(2, 2, 8), {1});
  state.AddDrafted(Guessing(10, {20}, {0.3f}));
  state.AddDrafted(Guessing(11, {30}, {0.3f}));
  state.TakeChunk();  // seq 0, positions 1-2
  state.TakeBranch(*state.NextBranchTarget(1, 0.7),
                   Drafts(std::vector<int32_t>{50, 51}));  // seq 1: pos 1, root 20
  state.TakeBranch(*state.NextBranchTarget(1, 0.7),
                   Drafts(std::vector<int32_t>{60}));  // seq 2: pos 2, root 30
  state.AddDrafted(Token(12));
  state.TakeChunk();  // seq 3, epoch 0: will be flushed

  SECTION("the matching branch goes in flight as the new epoch's chunk") {
    auto outcome = state.Apply(Verdict(0, 0, 0, /*rejected=*/true));  // rejects position 1
    REQUIRE(outcome.ok());
    CHECK(outcome->wasted_tokens == 3);
    CHECK(state.CommitCorrection(20));  // the cloud verifies branch seq 1 next
    CHECK(state.committed() == std::vector<int32_t>{1, 20});
    CHECK(state.ahead() == 2);
    CHECK(state.SpeculativeSequence() == std::vector<int32_t>{1, 20, 50, 51});
    CHECK_FALSE(state.Apply(Verdict(1, 0, 2, false)).ok());  // not the branch's seq
    auto branch = state.Apply(Verdict(1, 1, 2, false));
    REQUIRE(branch.ok());
    CHECK(branch->branch);
    CHECK(branch->committed == std::vector<int32_t>{50, 51});
    // Drafting goes on after the branch, with no prefix to resend.
    state.AddDrafted(Token(70));
    const wire::DraftChunk next = state.TakeChunk();
    CHECK(next.epoch == 1);
    CHECK(next.base_position == 4);
    CHECK(next.n_prefix == 0);
  }
  SECTION("another correction travels as the next chunk's prefix") {
    REQUIRE(state.Apply(Verdict(0, 0, 0, true)).ok());
    CHECK_FALSE(state.CommitCorrection(25));
    state.AddDrafted(Token(26));
    const wire::DraftChunk next = state.TakeChunk();
    CHECK(next.epoch == 1);
    CHECK(next.base_position == 1);
    CHECK(next.tokens == std::vector<int32_t>{25, 26});
    CHECK(next.n_prefix == 1);
  }
  SECTION("a rejection later in the chunk follows the branch at its own position") {
    auto accepted_first = state.Apply(Verdict(0, 0, 1, true));  // accepts 1, rejects 2
    REQUIRE(accepted_first.ok());
    CHECK(state.CommitCorrection(30));  // branch seq 2 (position 2, root 30)
    CHECK(state.SpeculativeSequence() == std::vector<int32_t>{1, 10, 30, 60});
  }
}

TEST_CASE("PipelineState: a branch of a branch is followed only on its parent's path",
          "[edge][pipeline]") {
  PipelineState state(Options(2, 2, 8), {1});
  state.AddDrafted(Guessing(10, {20}, {0.5f}));
  state.TakeChunk();  // seq 0: position 1
  const BranchTarget b_target = *state.NextBranchTarget(1, 0.7);
  CHECK(b_target.root == 20);
  // Branch B (seq 1) at position 1, root 20; its first draft guesses 21 -> 31.
  state.TakeBranch(b_target, Drafts({Guessing(30, {31}, {0.4f}), Token(32)}));
  // The next best target is inside B: score 0.5 * 0.4, parent B, epoch 2.
  const std::optional<BranchTarget> s_target = state.NextBranchTarget(1, 0.7);
  REQUIRE(s_target.has_value());
  CHECK(s_target->parent_seq == 1);
  CHECK(s_target->epoch == 2);
  CHECK(s_target->position == 2);
  CHECK(s_target->root == 31);
  CHECK(s_target->score == Approx(0.2));
  CHECK(s_target->sequence == std::vector<int32_t>{1, 20, 31});
  const wire::DraftChunk s_chunk = state.TakeBranch(*s_target, Drafts(std::vector<int32_t>{40}));
  CHECK(s_chunk.parent_seq == 1);
  CHECK(s_chunk.epoch == 2);

  SECTION("rejections matching B, then S, follow both") {
    REQUIRE(state.Apply(Verdict(0, 0, 0, true)).ok());
    CHECK(state.CommitCorrection(20));                  // B in flight, S kept
    REQUIRE(state.Apply(Verdict(1, 1, 0, true)).ok());  // B's first draft (30) rejected
    CHECK(state.CommitCorrection(31));                  // S (seq 2) in flight
    CHECK(state.SpeculativeSequence() == std::vector<int32_t>{1, 20, 31, 40});
    CHECK(state.Apply(Verdict(2, 2, 1, false)).ok());
    CHECK(state.committed() == std::vector<int32_t>{1, 20, 31, 40});
  }
  SECTION("a rejection elsewhere rules out B and S") {
    REQUIRE(state.Apply(Verdict(0, 0, 0, true)).ok());
    CHECK_FALSE(state.CommitCorrection(25));
    CHECK_FALSE(state.NextBranchTarget(1, 0.7).has_value());
  }
  SECTION("acceptance of the token B replaces rules out B and S") {
    REQUIRE(state.Apply(Verdict(0, 0, 1, false)).ok());
    CHECK_FALSE(state.NextBranchTarget(1, 0.0).has_value());
  }
}

}  // namespace
}  // namespace tandem::edge
