// A server never crashes on a peer's bytes: malformed and hostile sessions
// get a clean error (or are cleaned up), while a well-behaved session on the
// same server, running concurrently, finishes with the right output.

#include <grpcpp/grpcpp.h>

#include <thread>

#include "catch2/catch.hpp"
#include "common/model/model_identity.h"
#include "common/spec/categorical.h"
#include "common/wire/packed_ids.h"
#include "common/wire/protocol_version.h"
#include "proto/tandem/v1/tandem.grpc.pb.h"
#include "tests/testing/cloud_fixture.h"
#include "tests/testing/protocol_messages.h"
#include "tests/testing/raw_session.h"

namespace tandem {
namespace {

namespace v1 = ::tandem::v1;
using testing::DraftMessage;
using testing::ErrorCode;
using testing::OpenMessage;
using testing::RawSession;

TEST_CASE("tandem-cloud: hostile sessions get clean errors while a good one finishes",
          "[e2e][integration][abuse]") {
  const testing::BundledPair pair;
  const model::Tokenizer& tokenizer = *pair.tokenizer;
  cloud::CloudConfig config;
  config.max_message_bytes = 64 << 10;
  config.workers = 2;
  auto cloud = testing::StartCloud(testing::TargetDir(), config);
  const std::string address = testing::Address(*cloud);

  // The well-behaved session runs in a thread across all the abuse below.
  const std::vector<int32_t> reference =
      testing::TargetGreedy(*pair.target, tokenizer, "import os\n", 48);
  absl::StatusOr<std::vector<int32_t>> good_result;
  edge::SpeculativeOptions good_options;
  good_options.max_tokens = 48;
  std::thread good([&] {
    good_result =
        testing::RunEdge(pair.draft.get(), tokenizer, address, good_options, "import os\n");
  });

  auto prompt = tokenizer.Encode("def f(x):", /*add_special_tokens=*/true);
  REQUIRE(prompt.ok());

  SECTION("an out-of-range token id in the prompt") {
    RawSession s(address);
    std::vector<int32_t> bad = *prompt;
    bad.push_back(tokenizer.vocab_size() + 5);
    auto reply = s.Exchange(OpenMessage(tokenizer, bad));
    CHECK(ErrorCode(reply) == absl::StatusCode::kInvalidArgument);
    CHECK(s.FinishCode() == grpc::StatusCode::INVALID_ARGUMENT);
  }
  SECTION("a draft model with another tokenizer") {
    RawSession s(address);
    v1::EdgeMessage open = OpenMessage(tokenizer, *prompt);
    open.mutable_open()->mutable_draft()->set_token_text_hash(12345);
    auto reply = s.Exchange(open);
    REQUIRE(ErrorCode(reply) == absl::StatusCode::kFailedPrecondition);
    CHECK_THAT(reply->error().message(), Catch::Contains("tokenizer"));
  }
  SECTION("an unknown protocol version") {
    RawSession s(address);
    v1::EdgeMessage open = OpenMessage(tokenizer, *prompt);
    open.mutable_open()->set_protocol_version(99);
    CHECK(ErrorCode(s.Exchange(open)) == absl::StatusCode::kUnimplemented);
  }
  SECTION("a message over --max-message-bytes") {
    RawSession s(address);
    v1::EdgeMessage open = OpenMessage(tokenizer, *prompt);
    // 200 kB of bytes the server never parses: gRPC refuses the message
    // (limit 64 kB) before it reaches the session.
    open.mutable_open()->mutable_prompt()->set_data(std::string(200000, '\x01'));
    open.mutable_open()->mutable_prompt()->set_count(200000);
    auto reply = s.Exchange(open);
    CHECK(ErrorCode(reply) == absl::StatusCode::kResourceExhausted);
  }
  SECTION("a prompt longer than --max-prompt-tokens") {
    RawSession s(address);
    std::vector<int32_t> long_prompt(5000, 1);
    auto reply = s.Exchange(OpenMessage(tokenizer, long_prompt));
    REQUIRE(ErrorCode(reply) == absl::StatusCode::kResourceExhausted);
    CHECK_THAT(reply->error().message(), Catch::Contains("--max-prompt-tokens"));
  }
  SECTION("a draft before Open, and garbage after") {
    RawSession s(address);
    CHECK(ErrorCode(s.Exchange(DraftMessage(0, 0, 0, {1}, 0))) ==
          absl::StatusCode::kFailedPrecondition);
  }
  SECTION("a stale-epoch chunk is dropped unprocessed; a sequence gap aborts") {
    RawSession s(address);
    auto opened = s.Exchange(OpenMessage(tokenizer, *prompt));
    REQUIRE(ErrorCode(opened) == absl::StatusCode::kOk);
    REQUIRE(opened->has_opened());
    // Greedy: draft a token the target surely rejects (not its argmax).
    auto cache = pair.target->NewCache(64);
    REQUIRE(cache.ok());
    auto logits = pair.target->Forward(*prompt, **cache, model::LogitRows::kLast);
    REQUIRE(logits.ok());
    const int32_t best = spec::Argmax(logits->Row(0).subspan(0, tokenizer.vocab_size()));
    const int32_t wrong = (best + 1) % tokenizer.vocab_size();
    const uint32_t base = static_cast<uint32_t>(prompt->size());
    auto verdict = s.Exchange(DraftMessage(0, 0, base, {wrong}, 0));
    REQUIRE(ErrorCode(verdict) == absl::StatusCode::kOk);
    REQUIRE(verdict->has_verdict());
    CHECK(verdict->verdict().status() == v1::VERDICT_STATUS_REJECTED);
    CHECK(verdict->verdict().token() == best);
    // A chunk drafted before the edge saw the rejection: epoch 0, dropped.
    s.stream->Write(DraftMessage(0, 1, base + 1, {wrong}, 0));
    // The next one resyncs (epoch 1, the correction as its prefix) and is
    // the one answered: no reply was produced for the stale chunk.
    auto next = s.Exchange(DraftMessage(1, 2, base, {best}, 1));
    REQUIRE(ErrorCode(next) == absl::StatusCode::kOk);
    REQUIRE(next->has_verdict());
    CHECK(next->verdict().seq() == 2);
    // Now skip seq 3.
    auto gap = s.Exchange(DraftMessage(1, 4, base + 2, {best}, 1));
    CHECK(ErrorCode(gap) == absl::StatusCode::kAborted);
  }
  SECTION("a client that vanishes mid-stream is cleaned up") {
    {
      RawSession s(address);
      REQUIRE(ErrorCode(s.Exchange(OpenMessage(tokenizer, *prompt))) == absl::StatusCode::kOk);
      s.stream->Write(DraftMessage(0, 0, static_cast<uint32_t>(prompt->size()), {1, 2, 3}, 0));
      s.context.TryCancel();
    }
    // Only the well-behaved session (if still running) may remain.
    CHECK(cloud->resources().sessions->AwaitAtMost(1, absl::Seconds(30)));
  }

  good.join();
  INFO(good_result.status().message());
  REQUIRE(good_result.ok());
  CHECK(*good_result == reference);
  CHECK(cloud->resources().sessions->AwaitAtMost(0, absl::Seconds(30)));
}

}  // namespace
}  // namespace tandem
