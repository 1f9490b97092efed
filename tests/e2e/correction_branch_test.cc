// Correction branches on tandem-cloud over a raw gRPC session: a branch is
// verified only in the state it was drafted for (right after a rejection at
// its position whose correction is its first token, before any chunk of the
// new epoch), is dropped without a verdict otherwise, and is refused where
// it has no meaning (synchronous sessions) or is malformed; the next verdict
// carries a receipt of each one dropped.

#include <vector>

#include "catch2/catch.hpp"
#include "common/spec/categorical.h"
#include "tests/testing/cloud_fixture.h"
#include "tests/testing/protocol_messages.h"
#include "tests/testing/raw_session.h"

namespace tandem {
namespace {

namespace v1 = ::tandem::v1;
using testing::DraftMessage;
using testing::ErrorCode;
using testing::RawSession;

// A branch replacing the token at `base` of chunk `parent`.
v1::EdgeMessage BranchMessage(uint32_t epoch, uint32_t seq, uint32_t parent, uint32_t base,
                              const std::vector<int32_t>& tokens) {
  v1::EdgeMessage message = DraftMessage(epoch, seq, base, tokens, /*n_prefix=*/1);
  message.mutable_draft()->set_branch(true);
  message.mutable_draft()->set_parent_seq(parent);
  return message;
}

v1::EdgeMessage PipelinedOpen(const model::Tokenizer& tokenizer,
                              const std::vector<int32_t>& prompt) {
  v1::EdgeMessage open = testing::OpenMessage(tokenizer, prompt);
  open.mutable_open()->set_decoding(v1::DECODING_MODE_PIPELINED);
  return open;
}

// The target's greedy continuation of `prompt`, `n` tokens.
std::vector<int32_t> GreedyContinuation(const model::LlamaModel& target,
                                        const std::vector<int32_t>& prompt, int32_t vocab_size,
                                        int n) {
  auto cache = target.NewCache(256);
  REQUIRE(cache.ok());
  std::vector<int32_t> input = prompt, out;
  for (int i = 0; i < n; ++i) {
    auto logits = target.Forward(input, **cache, model::LogitRows::kLast);
    REQUIRE(logits.ok());
    out.push_back(spec::Argmax(logits->Row(0).subspan(0, vocab_size)));
    input = {out.back()};
  }
  return out;
}

TEST_CASE("tandem-cloud: a correction branch is verified only in the state it was drafted for",
          "[e2e][integration][pipeline]") {
  auto target = testing::LoadModelOrDie(testing::TargetDir());
  auto tokenizer_or = model::Tokenizer::FromDirectory(testing::TargetDir());
  REQUIRE(tokenizer_or.ok());
  const model::Tokenizer& tokenizer = **tokenizer_or;
  auto cloud = testing::StartCloud(testing::TargetDir());
  auto prompt = tokenizer.Encode("def f(x):", /*add_special_tokens=*/true);
  REQUIRE(prompt.ok());
  const int32_t vocab = tokenizer.vocab_size();
  const std::vector<int32_t> r = GreedyContinuation(*target, *prompt, vocab, 8);
  const uint32_t base = static_cast<uint32_t>(prompt->size());
  const int32_t wrong = (r[2] + 1) % vocab;

  SECTION("taken after the rejection it guessed, dropped otherwise") {
    RawSession s(testing::Address(*cloud));
    auto opened = s.Exchange(PipelinedOpen(tokenizer, *prompt));
    REQUIRE(ErrorCode(opened) == absl::StatusCode::kOk);
    // Two branches sent before the chunk's verdict is known: one for a
    // position that is accepted, one for the rejected position.
    s.stream->Write(DraftMessage(0, 0, base, {r[0], r[1], wrong}, 0));
    s.stream->Write(BranchMessage(1, 1, 0, base + 1, {wrong, r[2]}));  // position 1 is accepted
    auto rejected = s.Next();
    REQUIRE(ErrorCode(rejected) == absl::StatusCode::kOk);
    REQUIRE(rejected->has_verdict());
    CHECK(rejected->verdict().status() == v1::VERDICT_STATUS_REJECTED);
    CHECK(rejected->verdict().n_accepted() == 2);
    CHECK(rejected->verdict().token() == r[2]);
    // A branch guessing another correction at the rejected position: dropped.
    s.stream->Write(BranchMessage(1, 2, 0, base + 2, {wrong, r[3]}));
    // The branch guessing right: verified now, in epoch 1.
    auto branch = s.Exchange(BranchMessage(1, 3, 0, base + 2, {r[2], r[3], r[4], r[5]}));
    REQUIRE(ErrorCode(branch) == absl::StatusCode::kOk);
    REQUIRE(branch->has_verdict());
    CHECK(branch->verdict().epoch() == 1);
    CHECK(branch->verdict().seq() == 3);
    CHECK(branch->verdict().status() == v1::VERDICT_STATUS_ALL_ACCEPTED);
    CHECK(branch->verdict().n_accepted() == 3);
    // The two branches dropped since the last verdict (seq 1 and 2) are in
    // its receipts, in arrival order: both arrived before this one, with
    // fewer of the stream's bytes.
    CHECK(rejected->verdict().receipt_received_at_delta_us_size() == 0);
    const v1::Verdict& taken = branch->verdict();
    REQUIRE(taken.receipt_sent_at_delta_us_size() == 2);
    REQUIRE(taken.receipt_received_at_delta_us_size() == 2);
    REQUIRE(taken.receipt_bytes_delta_size() == 2);
    CHECK(taken.receipt_received_at_delta_us(0) <= taken.receipt_received_at_delta_us(1));
    CHECK(taken.receipt_received_at_delta_us(1) <= 0);
    CHECK(taken.receipt_bytes_delta(0) < taken.receipt_bytes_delta(1));
    CHECK(taken.receipt_bytes_delta(1) < 0);
    // The same branch again no longer applies (a chunk of epoch 1 came).
    s.stream->Write(BranchMessage(1, 4, 0, base + 2, {r[2], r[3]}));
    // The next chunk continues after the branch: the only reply is its own.
    auto next = s.Exchange(DraftMessage(1, 5, base + 6, {r[6], r[7]}, 0));
    REQUIRE(ErrorCode(next) == absl::StatusCode::kOk);
    REQUIRE(next->has_verdict());
    CHECK(next->verdict().seq() == 5);
    CHECK(next->verdict().status() == v1::VERDICT_STATUS_ALL_ACCEPTED);
    CHECK(next->verdict().n_accepted() == 2);
    CHECK(next->verdict().receipt_bytes_delta_size() == 1);  // seq 4's
  }
  SECTION("a branch of a branch is taken only on its parent's path") {
    RawSession s(testing::Address(*cloud));
    REQUIRE(ErrorCode(s.Exchange(PipelinedOpen(tokenizer, *prompt))) == absl::StatusCode::kOk);
    const int32_t wrong1 = (r[1] + 1) % vocab, wrong3 = (r[3] + 1) % vocab;
    s.stream->Write(DraftMessage(0, 0, base, {r[0], wrong1}, 0));  // rejected at base + 1
    // Branch B (seq 1) guesses the correction r1; its own second draft is wrong.
    s.stream->Write(BranchMessage(1, 1, 0, base + 1, {r[1], r[2], wrong3}));
    // Two branches of the rejection inside B: one naming the wrong parent.
    s.stream->Write(BranchMessage(2, 2, 0, base + 3, {r[3], r[4]}));
    s.stream->Write(BranchMessage(2, 3, 1, base + 3, {r[3], r[4], r[5]}));
    auto first = s.Next();
    REQUIRE(ErrorCode(first) == absl::StatusCode::kOk);
    CHECK(first->verdict().seq() == 0);
    CHECK(first->verdict().token() == r[1]);
    auto in_b = s.Next();
    REQUIRE(ErrorCode(in_b) == absl::StatusCode::kOk);
    CHECK(in_b->verdict().seq() == 1);
    CHECK(in_b->verdict().status() == v1::VERDICT_STATUS_REJECTED);
    CHECK(in_b->verdict().n_accepted() == 1);
    CHECK(in_b->verdict().token() == r[3]);
    auto in_s = s.Next();  // seq 2 was dropped: the next verdict is seq 3's
    REQUIRE(ErrorCode(in_s) == absl::StatusCode::kOk);
    CHECK(in_s->verdict().seq() == 3);
    CHECK(in_s->verdict().epoch() == 2);
    CHECK(in_s->verdict().status() == v1::VERDICT_STATUS_ALL_ACCEPTED);
    CHECK(in_s->verdict().n_accepted() == 2);
    CHECK(in_s->verdict().receipt_bytes_delta_size() == 1);  // seq 2's
  }
  SECTION("a branch in a synchronous session is refused") {
    RawSession s(testing::Address(*cloud));
    REQUIRE(ErrorCode(s.Exchange(testing::OpenMessage(tokenizer, *prompt))) ==
            absl::StatusCode::kOk);
    auto reply = s.Exchange(BranchMessage(1, 0, 0, base, {r[0], r[1]}));
    REQUIRE(ErrorCode(reply) == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(reply->error().message(), Catch::Contains("pipelined"));
  }
  SECTION("a malformed branch that would apply is refused") {
    RawSession s(testing::Address(*cloud));
    REQUIRE(ErrorCode(s.Exchange(PipelinedOpen(tokenizer, *prompt))) == absl::StatusCode::kOk);
    auto rejected = s.Exchange(DraftMessage(0, 0, base, {(r[0] + 1) % vocab}, 0));
    REQUIRE(ErrorCode(rejected) == absl::StatusCode::kOk);
    REQUIRE(rejected->has_verdict());
    v1::EdgeMessage malformed = BranchMessage(1, 1, 0, base, {rejected->verdict().token()});
    auto reply = s.Exchange(malformed);  // the root alone: no drafted token
    REQUIRE(ErrorCode(reply) == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(reply->error().message(), Catch::Contains("correction branch"));
  }
}

}  // namespace
}  // namespace tandem
