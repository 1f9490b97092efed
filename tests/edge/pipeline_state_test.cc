// PipelineState: ordering and epoch rules of the asynchronous pipeline with
// scripted verdicts (no model, no threads, no clock).

#include "edge/pipeline_state.h"

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

}  // namespace
}  // namespace tandem::edge
