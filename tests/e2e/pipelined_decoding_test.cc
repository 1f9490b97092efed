// The asynchronous pipeline end to end over real gRPC: greedy output equals
// target-only decoding, and sampled output for a seed does not depend on the
// chunk size gamma, the draft-ahead limit D, link delay, or correction
// branches.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "catch2/catch.hpp"
#include "common/wire/protocol_version.h"
#include "tests/testing/cloud_fixture.h"
#include "tests/testing/delayed_transport.h"
#include "tests/testing/forwarding_transport.h"

namespace tandem {
namespace {

namespace v1 = ::tandem::v1;

using Pair = testing::BundledPair;

// Wraps the edge's transport (e.g. to rewrite what the cloud sends).
using TransportWrapper = std::function<std::unique_ptr<edge::VerifierTransport>(
    std::unique_ptr<edge::VerifierTransport>)>;

// One pipelined generation; `one_way_delay` > 0 puts a DelayedTransport
// between the edge and the gRPC stream, and `wrap`, if given, goes around
// both.
absl::StatusOr<std::vector<int32_t>> RunPipelined(
    const Pair& pair, const model::Tokenizer& tokenizer, const std::string& address,
    edge::SpeculativeOptions options, const std::string& prompt, absl::Duration one_way_delay,
    edge::GenerationStats* stats = nullptr, const TransportWrapper& wrap = nullptr) {
  options.decoding = edge::DecodingMode::kPipelined;
  edge::GrpcVerifierTransport::Options transport_options;
  transport_options.address = address;
  auto grpc_transport = edge::GrpcVerifierTransport::Connect(transport_options);
  if (!grpc_transport.ok()) return grpc_transport.status();
  std::unique_ptr<edge::VerifierTransport> transport = std::move(*grpc_transport);
  if (one_way_delay > absl::ZeroDuration()) {
    transport = std::make_unique<testing::DelayedTransport>(std::move(transport), one_way_delay);
  }
  if (wrap) transport = wrap(std::move(transport));
  edge::SpeculativeClient client(pair.draft.get(), tokenizer, *transport, options);
  return client.Generate(prompt, nullptr, stats);
}

// A fixed setting that grows correction branches: gamma 2, D 8, sparse-draft
// verification (its cloud-chosen corrections are what branches guess).
edge::SpeculativeOptions FixedBranchingOptions(int max_tokens, int branches, int branch_length) {
  edge::SpeculativeOptions options;
  options.verification = v1::VERIFICATION_MODE_SPARSE_DRAFT;
  options.max_tokens = max_tokens;
  options.draft_max = 2;
  options.draft_ahead = 8;
  options.adaptive = false;
  options.branches = branches;
  options.branch_length = branch_length;
  return options;
}

// Runs a sampled generation of 40 tokens for "def " and checks its ids equal
// `first` (or makes them `first` when it is empty). Returns its stats.
edge::GenerationStats ExpectSameSampledText(const Pair& pair, const model::Tokenizer& tokenizer,
                                            const std::string& address,
                                            const edge::SpeculativeOptions& options,
                                            absl::Duration one_way_delay,
                                            std::vector<int32_t>& first) {
  edge::GenerationStats stats;
  auto ids = RunPipelined(pair, tokenizer, address, options, "def ", one_way_delay, &stats);
  INFO(ids.status().message());
  REQUIRE(ids.ok());
  REQUIRE(ids->size() == 40);
  if (first.empty()) {
    first = *ids;
  } else {
    CHECK(*ids == first);
  }
  return stats;
}

TEST_CASE("Pipelined decoding: greedy output equals target-only decoding in every mode",
          "[e2e][integration][pipeline]") {
  const Pair pair;
  const model::Tokenizer& tokenizer = *pair.tokenizer;
  auto cloud = testing::StartCloud(testing::TargetDir());
  const std::vector<std::string> prompts = {"def ",
                                            "import os\n",
                                            "Return the ",
                                            "class Config:\n",
                                            "The following example",
                                            "    raise ValueError("};
  int64_t rejections = 0;
  for (const std::string& prompt : prompts) {
    INFO("prompt: " << prompt);
    const std::vector<int32_t> reference =
        testing::TargetGreedy(*pair.target, tokenizer, prompt, 32);
    for (v1::VerificationMode mode :
         {v1::VERIFICATION_MODE_EXACT, v1::VERIFICATION_MODE_SPARSE_DRAFT,
          v1::VERIFICATION_MODE_TOPK}) {
      edge::SpeculativeOptions options;
      options.verification = mode;
      options.max_tokens = 32;
      options.draft_max = 3;
      options.draft_ahead = 9;
      edge::GenerationStats stats;
      auto ids = RunPipelined(pair, tokenizer, testing::Address(*cloud), options, prompt,
                              absl::ZeroDuration(), &stats);
      INFO(ids.status().message());
      REQUIRE(ids.ok());
      CHECK(*ids == reference);
      rejections += stats.rejections;
    }
  }
  CHECK(rejections > 10);  // rollbacks and epoch flushes were exercised
}

TEST_CASE("Pipelined decoding: a seed gives the same text for any gamma, D and link delay",
          "[e2e][integration][pipeline]") {
  const Pair pair;
  const model::Tokenizer& tokenizer = *pair.tokenizer;
  auto cloud = testing::StartCloud(testing::TargetDir());
  for (v1::VerificationMode mode :
       {v1::VERIFICATION_MODE_EXACT, v1::VERIFICATION_MODE_SPARSE_DRAFT}) {
    INFO("mode " << v1::VerificationMode_Name(mode));
    std::vector<int32_t> first;
    int64_t wasted = 0;
    // (gamma, D, one-way delay in ms)
    const std::vector<std::tuple<int, int, int>> settings = {{1, 1, 0},  {2, 4, 0},   {4, 4, 0},
                                                             {4, 16, 0}, {8, 8, 0},   {8, 24, 0},
                                                             {2, 8, 15}, {4, 12, 15}, {8, 16, 15}};
    for (const auto& [gamma, ahead, delay_ms] : settings) {
      INFO("gamma " << gamma << " D " << ahead << " delay " << delay_ms << " ms");
      edge::SpeculativeOptions options;
      options.verification = mode;
      options.sampling.temperature = 0.9;
      options.seed = 4242;
      options.max_tokens = 40;
      options.draft_max = gamma;
      options.draft_ahead = ahead;
      wasted += ExpectSameSampledText(pair, tokenizer, testing::Address(*cloud), options,
                                      absl::Milliseconds(delay_ms), first)
                    .wasted_draft_tokens;
    }
    CHECK(wasted > 0);  // drafts past rejections were really thrown away
  }
}

TEST_CASE("Pipelined decoding: correction branches are taken and keep greedy output exact",
          "[e2e][integration][pipeline]") {
  const Pair pair;
  const model::Tokenizer& tokenizer = *pair.tokenizer;
  auto cloud = testing::StartCloud(testing::TargetDir());
  const std::vector<std::string> prompts = {"def ", "import os\n", "The following example"};
  int64_t taken = 0, sent = 0;
  for (const std::string& prompt : prompts) {
    INFO("prompt: " << prompt);
    const std::vector<int32_t> reference =
        testing::TargetGreedy(*pair.target, tokenizer, prompt, 40);
    // (branches per token, branch length, early branches); a 10 ms one-way
    // delay leaves the edge time to draft branches while chunks are in flight.
    for (const auto& [branches, length, early] :
         std::vector<std::tuple<int, int, bool>>{{1, 8, true}, {3, 4, true}, {3, 8, false}}) {
      INFO("branches " << branches << " length " << length << " early " << early);
      edge::SpeculativeOptions options = FixedBranchingOptions(40, branches, length);
      options.early_branches = early;
      edge::GenerationStats stats;
      auto ids = RunPipelined(pair, tokenizer, testing::Address(*cloud), options, prompt,
                              absl::Milliseconds(10), &stats);
      INFO(ids.status().message());
      REQUIRE(ids.ok());
      CHECK(*ids == reference);
      taken += stats.branches_taken;
      sent += stats.branches_sent;
    }
  }
  CHECK(sent > 0);
  CHECK(taken > 0);  // rejections continued in a branch: the cloud's path was exercised
}

// Records every Draft the edge sends, as it goes on the wire.
class DraftRecorder final : public testing::ForwardingTransport {
 public:
  DraftRecorder(std::unique_ptr<edge::VerifierTransport> inner, std::vector<v1::Draft>* drafts)
      : ForwardingTransport(std::move(inner)), drafts_(drafts) {}
  absl::Status Send(const v1::EdgeMessage& message) override {
    if (message.has_draft()) drafts_->push_back(message.draft());
    return ForwardingTransport::Send(message);
  }

 private:
  std::vector<v1::Draft>* drafts_;  // written by the edge's one sending thread
};

// A TransportWrapper that puts a DraftRecorder around the transport.
TransportWrapper RecordDrafts(std::vector<v1::Draft>* drafts) {
  return [drafts](std::unique_ptr<edge::VerifierTransport> inner) {
    return std::make_unique<DraftRecorder>(std::move(inner), drafts);
  };
}

TEST_CASE("Pipelined decoding: send times go on the wire session-relative and come back Unix",
          "[e2e][integration][pipeline]") {
  const Pair pair;
  const model::Tokenizer& tokenizer = *pair.tokenizer;
  auto cloud = testing::StartCloud(testing::TargetDir());
  const std::string prompt = "import os\n";
  const std::vector<int32_t> reference = testing::TargetGreedy(*pair.target, tokenizer, prompt, 40);
  // Branches, so the cloud drops some (those that do not apply) and returns
  // their send times in receipts as well as in verdicts' echoes.
  edge::SpeculativeOptions options = FixedBranchingOptions(40, 3, 4);
  std::vector<edge::VerdictTraceRecord> records;
  options.on_verdict = [&records](const edge::VerdictTraceRecord& r) { records.push_back(r); };
  std::vector<v1::Draft> drafts;
  edge::GenerationStats stats;
  const absl::Time before = absl::Now();
  auto ids = RunPipelined(pair, tokenizer, testing::Address(*cloud), options, prompt,
                          absl::Milliseconds(10), &stats, RecordDrafts(&drafts));
  const int64_t session_us = absl::ToInt64Microseconds(absl::Now() - before);
  INFO(ids.status().message());
  REQUIRE(ids.ok());
  CHECK(*ids == reference);
  CHECK(stats.branches_sent > 0);
  // On the wire: microseconds since the session began (a Unix time would be
  // ~1.8e15), every one stamped.
  REQUIRE(!drafts.empty());
  for (const v1::Draft& draft : drafts) {
    const int64_t t = draft.sent_at_us();
    INFO("Draft.sent_at_us " << t << ", the session lasted " << session_us << " us");
    CHECK(t >= 1);
    CHECK(t <= session_us + 1);
  }
  // Echoes converted back: round trips and queueing within the session.
  REQUIRE(stats.rtt_samples > 0);
  const absl::Duration mean_rtt = stats.rtt_total / stats.rtt_samples;
  CHECK(mean_rtt >= absl::ZeroDuration());
  CHECK(absl::ToInt64Microseconds(mean_rtt) <= session_us);
  REQUIRE(!records.empty());
  for (const edge::VerdictTraceRecord& r : records) {
    CHECK(r.rtt_ms >= 0);
    CHECK(r.uplink_queueing_ms <= r.since_start_ms);
  }
}

TEST_CASE("Pipelined decoding: no draft goes past the token budget, branches included",
          "[e2e][integration][pipeline]") {
  // Near the budget's end the main path stops drafting and the edge grows
  // correction branches while it waits: they must stop at the budget's last
  // position too, as nothing past it can be committed.
  const Pair pair;
  const model::Tokenizer& tokenizer = *pair.tokenizer;
  auto cloud = testing::StartCloud(testing::TargetDir());
  int64_t branches = 0, branches_to_the_end = 0;
  for (const std::string prompt : {"def ", "import os\n", "The following example"}) {
    INFO("prompt: " << prompt);
    const std::vector<int32_t> reference =
        testing::TargetGreedy(*pair.target, tokenizer, prompt, 24);
    const edge::SpeculativeOptions options = FixedBranchingOptions(24, 3, 8);
    std::vector<v1::Draft> drafts;
    edge::GenerationStats stats;
    auto ids = RunPipelined(pair, tokenizer, testing::Address(*cloud), options, prompt,
                            absl::Milliseconds(10), &stats, RecordDrafts(&drafts));
    INFO(ids.status().message());
    REQUIRE(ids.ok());
    CHECK(*ids == reference);
    const int64_t end = stats.prompt_tokens + options.max_tokens;  // first position past it
    for (const v1::Draft& draft : drafts) {
      const int64_t past_last = draft.base_position() + draft.tokens().count();
      INFO("seq " << draft.seq() << (draft.branch() ? " (branch)" : "") << " at "
                  << draft.base_position() << " + " << draft.tokens().count()
                  << " tokens, budget ends at " << end);
      CHECK(past_last <= end);
      if (draft.branch()) {
        ++branches;
        if (past_last == end) ++branches_to_the_end;
      }
    }
  }
  CHECK(branches > 0);
  CHECK(branches_to_the_end > 0);  // the bound was reached, not merely respected
}

// Holds the cloud's Opened until the edge has sent a Draft (or 30 s have
// passed), and records every Draft the edge sends in `drafts`.
class OpenedAfterFirstDraft final : public testing::ForwardingTransport {
 public:
  OpenedAfterFirstDraft(std::unique_ptr<edge::VerifierTransport> inner,
                        std::vector<v1::Draft>* drafts)
      : ForwardingTransport(std::move(inner)), drafts_(drafts) {}
  absl::Status Send(const v1::EdgeMessage& message) override {
    {
      absl::MutexLock lock(&mu_);
      if (message.has_draft()) drafts_->push_back(message.draft());
    }
    return ForwardingTransport::Send(message);
  }
  absl::StatusOr<v1::CloudMessage> Receive() override {
    absl::StatusOr<v1::CloudMessage> message = ForwardingTransport::Receive();
    if (message.ok() && message->has_opened()) {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(
                               +[](std::vector<v1::Draft>* d) { return !d->empty(); }, drafts_),
                           absl::Seconds(30));
    }
    return message;
  }

 private:
  absl::Mutex mu_;
  std::vector<v1::Draft>* drafts_ ABSL_GUARDED_BY(mu_);
};

TEST_CASE("Pipelined decoding: the first chunks go out behind Open, before Opened",
          "[e2e][integration][pipeline]") {
  const Pair pair;
  const model::Tokenizer& tokenizer = *pair.tokenizer;
  auto cloud = testing::StartCloud(testing::TargetDir());
  const std::string prompt = "def ";
  const std::vector<int32_t> reference = testing::TargetGreedy(*pair.target, tokenizer, prompt, 32);
  struct Case {
    bool adaptive;
    int gamma, draft_ahead;
    int want_chunk, want_ahead;  // the most drafted per chunk and in all before Opened
  };
  // The adaptive edge starts at its initial gamma 4, D 8; a fixed gamma
  // above what every cloud takes is cut to that.
  for (const Case& c : {Case{true, 16, 32, 4, 8}, Case{false, 2, 12, 2, 12},
                        Case{false, 16, 32, wire::kGuaranteedDraftTokens, 32}}) {
    INFO("adaptive " << c.adaptive << " gamma " << c.gamma << " D " << c.draft_ahead);
    edge::SpeculativeOptions options;
    options.max_tokens = 32;
    options.adaptive = c.adaptive;
    options.draft_max = c.gamma;
    options.draft_ahead = c.draft_ahead;
    options.draft_p_min = 0;        // no confidence cut: the chunks' sizes are the rule's alone
    std::vector<v1::Draft> drafts;  // written by the wrapper, read once it is gone
    edge::GenerationStats stats;
    auto ids = RunPipelined(
        pair, tokenizer, testing::Address(*cloud), options, prompt, absl::ZeroDuration(), &stats,
        [&drafts](std::unique_ptr<edge::VerifierTransport> inner) {
          return std::make_unique<OpenedAfterFirstDraft>(std::move(inner), &drafts);
        });
    INFO(ids.status().message());
    REQUIRE(ids.ok());
    CHECK(*ids == reference);
    // The wrapper held Opened until a Draft had gone out; before it reached
    // the edge, the edge sent full chunks of the first epoch, no branch, up
    // to D, and waited.
    REQUIRE(stats.chunks_before_opened >= 1);
    REQUIRE(drafts.size() >= static_cast<size_t>(stats.chunks_before_opened));
    int64_t drafted = 0;
    for (size_t i = 0; i < static_cast<size_t>(stats.chunks_before_opened); ++i) {
      INFO("chunk " << i);
      CHECK(!drafts[i].branch());
      CHECK(drafts[i].epoch() == 0);
      CHECK(drafts[i].seq() == i);
      CHECK(drafts[i].n_prefix() == 0);
      CHECK(drafts[i].tokens().count() == static_cast<uint32_t>(c.want_chunk));
      drafted += drafts[i].tokens().count();
    }
    CHECK(drafted == c.want_ahead);
    CHECK(stats.drafts_before_opened == c.want_ahead);
  }
  // Turned off, the edge waits for Opened as before.
  edge::SpeculativeOptions options;
  options.max_tokens = 32;
  options.send_before_opened = false;
  edge::GenerationStats stats;
  auto ids = RunPipelined(pair, tokenizer, testing::Address(*cloud), options, prompt,
                          absl::ZeroDuration(), &stats);
  REQUIRE(ids.ok());
  CHECK(*ids == reference);
  CHECK(stats.chunks_before_opened == 0);
  CHECK(stats.chunks > 0);
}

// Rewrites the edge's Open to a protocol version no cloud speaks.
class FutureProtocolOpen final : public testing::ForwardingTransport {
 public:
  using ForwardingTransport::ForwardingTransport;
  absl::Status Send(const v1::EdgeMessage& message) override {
    if (!message.has_open()) return ForwardingTransport::Send(message);
    v1::EdgeMessage rewritten = message;
    rewritten.mutable_open()->set_protocol_version(wire::kProtocolVersion + 98);
    return ForwardingTransport::Send(rewritten);
  }
};

TEST_CASE("Pipelined decoding: a refused Open reports the cloud's reason, not the first chunk's",
          "[e2e][integration][pipeline]") {
  const Pair pair;
  auto cloud = testing::StartCloud(testing::TargetDir());
  edge::SpeculativeOptions options;
  options.max_tokens = 16;
  auto ids = RunPipelined(pair, *pair.tokenizer, testing::Address(*cloud), options, "def ",
                          absl::ZeroDuration(), nullptr,
                          [](std::unique_ptr<edge::VerifierTransport> inner) {
                            return std::make_unique<FutureProtocolOpen>(std::move(inner));
                          });
  REQUIRE(!ids.ok());
  CHECK(ids.status().code() == absl::StatusCode::kUnimplemented);
  CHECK_THAT(std::string(ids.status().message()),
             Catch::Matchers::Contains("protocol version 99 is not supported"));
}

TEST_CASE("Pipelined decoding: adaptive D leaves room for a taken correction branch",
          "[e2e][integration][pipeline]") {
  // A taken branch's tokens count against D until their verdict arrives,
  // while the controller's model counts only the main path's: every D the
  // adaptive edge applies exceeds its chunk by at least a branch, in whole
  // chunks (a limit between chunk boundaries cut chunks short). (On this
  // fast link the model alone picks D of 1-2 chunks.) The controller starts
  // from the cloud's measure of a verification's cost, sent in Opened.
  const Pair pair;
  const model::Tokenizer& tokenizer = *pair.tokenizer;
  auto cloud = testing::StartCloud(testing::TargetDir());
  const std::string prompt = "import os\n";
  const std::vector<int32_t> reference = testing::TargetGreedy(*pair.target, tokenizer, prompt, 48);
  edge::SpeculativeOptions options;  // adaptive, 3 branch roots of 8 tokens
  options.max_tokens = 48;
  options.draft_ahead = 64;
  edge::GenerationStats stats;
  auto ids = RunPipelined(pair, tokenizer, testing::Address(*cloud), options, prompt,
                          absl::Milliseconds(2), &stats);
  INFO(ids.status().message());
  REQUIRE(ids.ok());
  CHECK(*ids == reference);
  REQUIRE(!stats.gamma_trace.empty());
  for (const edge::GenerationStats::GammaChange& change : stats.gamma_trace) {
    INFO("gamma " << change.gamma << " D " << change.draft_ahead);
    CHECK(change.draft_ahead >= change.gamma + options.branch_length);
    CHECK(change.draft_ahead % change.gamma == 0);
  }
  CHECK(stats.cloud_verify_fixed_ms >= 0);
  CHECK(stats.cloud_verify_per_token_ms >= 0);
  CHECK(stats.cloud_verify_fixed_ms + stats.cloud_verify_per_token_ms > 0);
}

// Rewrites the verify cost in the cloud's Opened, as a faulty or hostile
// cloud might send it; everything else passes through.
class VerifyCostRewriter final : public testing::ForwardingTransport {
 public:
  VerifyCostRewriter(std::unique_ptr<edge::VerifierTransport> inner, int64_t fixed_ns,
                     int64_t per_token_ns)
      : ForwardingTransport(std::move(inner)), fixed_ns_(fixed_ns), per_token_ns_(per_token_ns) {}
  absl::StatusOr<v1::CloudMessage> Receive() override {
    absl::StatusOr<v1::CloudMessage> message = ForwardingTransport::Receive();
    if (message.ok() && message->has_opened()) {
      message->mutable_opened()->set_verify_fixed_ns(fixed_ns_);
      message->mutable_opened()->set_verify_per_token_ns(per_token_ns_);
    }
    return message;
  }

 private:
  int64_t fixed_ns_, per_token_ns_;
};

TEST_CASE("Pipelined decoding: the edge takes a plausible verify cost from Opened, no other",
          "[e2e][integration][pipeline]") {
  const Pair pair;
  const model::Tokenizer& tokenizer = *pair.tokenizer;
  auto cloud = testing::StartCloud(testing::TargetDir());
  const std::string prompt = "def ";
  const std::vector<int32_t> reference = testing::TargetGreedy(*pair.target, tokenizer, prompt, 24);
  struct Case {
    int64_t fixed_ns, per_token_ns;
    double want_fixed_ms, want_per_token_ms;  // 0, 0: ignored
  };
  const int64_t kHour = int64_t{3600} * 1000 * 1000 * 1000;
  for (const Case& c : {Case{2'000'000, 500'000, 2.0, 0.5}, Case{-1, 500'000, 0, 0},
                        Case{2'000'000, kHour, 0, 0}, Case{INT64_MAX, INT64_MIN, 0, 0}}) {
    INFO("Opened says " << c.fixed_ns << " ns + " << c.per_token_ns << " ns per token");
    edge::SpeculativeOptions options;  // adaptive
    options.max_tokens = 24;
    edge::GenerationStats stats;
    auto ids = RunPipelined(
        pair, tokenizer, testing::Address(*cloud), options, prompt, absl::ZeroDuration(), &stats,
        [&c](std::unique_ptr<edge::VerifierTransport> inner) {
          return std::make_unique<VerifyCostRewriter>(std::move(inner), c.fixed_ns, c.per_token_ns);
        });
    INFO(ids.status().message());
    REQUIRE(ids.ok());
    CHECK(*ids == reference);
    CHECK(stats.cloud_verify_fixed_ms == Approx(c.want_fixed_ms));
    CHECK(stats.cloud_verify_per_token_ms == Approx(c.want_per_token_ms));
  }
}

TEST_CASE("Pipelined decoding: a seed gives the same sampled text with or without branches",
          "[e2e][integration][pipeline]") {
  const Pair pair;
  const model::Tokenizer& tokenizer = *pair.tokenizer;
  auto cloud = testing::StartCloud(testing::TargetDir());
  std::vector<int32_t> first;
  int64_t taken = 0;
  // (branches per token, one-way delay in ms)
  for (const auto& [branches, delay_ms] :
       std::vector<std::pair<int, int>>{{0, 0}, {0, 10}, {2, 10}, {3, 10}, {2, 0}}) {
    INFO("branches " << branches << " delay " << delay_ms << " ms");
    edge::SpeculativeOptions options;
    options.verification = v1::VERIFICATION_MODE_SPARSE_DRAFT;
    options.sampling.temperature = 0.9;
    options.seed = 777;
    options.max_tokens = 40;
    options.draft_max = 3;
    options.draft_ahead = 9;
    options.adaptive = false;
    options.branches = branches;
    taken += ExpectSameSampledText(pair, tokenizer, testing::Address(*cloud), options,
                                   absl::Milliseconds(delay_ms), first)
                 .branches_taken;
  }
  CHECK(taken > 0);
}

}  // namespace
}  // namespace tandem
