// PredictedTokensPerSecond: a generation's stats in the analytic model's
// terms, checked against the model evaluated by hand.

#include "edge/throughput_prediction.h"

#include "catch2/catch.hpp"

namespace tandem::edge {
namespace {

GenerationStats Measured() {
  GenerationStats s;
  s.rounds = 10;
  s.accepted_tokens = 30;
  s.rejections = 10;                       // alpha = 30 / 40
  s.draft_tokens = 48;                     // judged drafts
  s.sent_draft_tokens = 60;                // drafted (stale ones too)
  s.draft_time = absl::Milliseconds(120);  // 2 ms per drafted token
  s.verify_time = absl::Milliseconds(50);  // 5 ms per round
  s.rtt_total = absl::Milliseconds(400);
  s.rtt_samples = 10;  // 40 ms
  return s;
}

TEST_CASE("measured timings follow the model's definitions", "[prediction]") {
  const spec::PipelineTimings t = MeasuredTimings(Measured());
  CHECK(t.alpha == Approx(0.75));
  CHECK(t.t_draft == Approx(0.002));
  CHECK(t.t_verify_fixed == Approx(0.005));
  CHECK(t.rtt == Approx(0.040));
}

TEST_CASE("the prediction is the pipelined or the sync model for those timings", "[prediction]") {
  const GenerationStats s = Measured();
  const spec::PipelineTimings t = MeasuredTimings(s);
  CHECK(PredictedTokensPerSecond(s, true, 4, 16) == Approx(spec::PipelinedThroughput(t, 4, 16)));
  CHECK(PredictedTokensPerSecond(s, false, 4, 0) == Approx(spec::SyncThroughput(t, 4)));
  // Sync by hand (Leviathan et al. eq. 1): (1 - a^5) / (1 - a) tokens per
  // 4 t_d + t_v + RTT.
  const double tokens = (1 - 0.75 * 0.75 * 0.75 * 0.75 * 0.75) / 0.25;
  CHECK(PredictedTokensPerSecond(s, false, 4, 0) == Approx(tokens / (0.008 + 0.005 + 0.040)));
  // Pipelining hides drafting behind the round trip: never slower here.
  CHECK(PredictedTokensPerSecond(s, true, 4, 16) >= PredictedTokensPerSecond(s, false, 4, 0));
}

TEST_CASE("correction branches enter the timings as the controller models them", "[prediction]") {
  GenerationStats s = Measured();
  // No branch sent: the branch-free model.
  CHECK(MeasuredTimings(s).branch_length == 0);
  s.branches_sent = 5;
  s.branch_draft_tokens = 40;                    // L = 8
  s.branch_draft_time = absl::Milliseconds(60);  // 1.5 ms per branch token
  s.main_path_rejections = 8;
  s.corrections_top_runner_up = 6;  // h = 0.75
  const spec::PipelineTimings t = MeasuredTimings(s);
  CHECK(t.branch_length == 8);
  CHECK(t.t_branch_token == Approx(0.0015));
  CHECK(t.branch_hit == Approx(0.75));
  CHECK(PredictedTokensPerSecond(s, true, 4, 24) == Approx(spec::PipelinedThroughput(t, 4, 24)));
  // At D = 8 the edge drafts for 16 ms, then waits ~45 ms for a verdict
  // and grows branches meanwhile, which the branch-free model counts as
  // lost time.
  spec::PipelineTimings branch_free = t;
  branch_free.branch_length = 0;
  CHECK(PredictedTokensPerSecond(s, true, 4, 8) > spec::PipelinedThroughput(branch_free, 4, 8));
}

TEST_CASE("no verdicts, no prediction", "[prediction]") {
  GenerationStats s;
  CHECK(PredictedTokensPerSecond(s, true, 4, 16) == 0.0);
}

}  // namespace
}  // namespace tandem::edge
