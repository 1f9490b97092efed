#include "edge/throughput_prediction.h"

#include <algorithm>
#include <cmath>

namespace tandem::edge {

spec::PipelineTimings MeasuredTimings(const GenerationStats& stats) {
  spec::PipelineTimings t;
  const int64_t tested = stats.accepted_tokens + stats.rejections;
  t.alpha = tested > 0 ? static_cast<double>(stats.accepted_tokens) / tested : 0.0;
  const int64_t drafted = std::max(stats.sent_draft_tokens, stats.draft_tokens);
  t.t_draft = drafted > 0 ? absl::ToDoubleSeconds(stats.draft_time) / drafted : 0.0;
  t.t_verify_fixed =
      stats.rounds > 0 ? absl::ToDoubleSeconds(stats.verify_time) / stats.rounds : 0.0;
  t.t_verify_per_token = 0.0;
  t.rtt = stats.rtt_samples > 0 ? absl::ToDoubleSeconds(stats.rtt_total) / stats.rtt_samples : 0.0;
  if (stats.branches_sent > 0 && stats.branch_draft_tokens > 0 && stats.main_path_rejections > 0) {
    t.branch_length = static_cast<int>(std::lround(static_cast<double>(stats.branch_draft_tokens) /
                                                   static_cast<double>(stats.branches_sent)));
    t.t_branch_token = stats.branch_token_seconds();
    t.branch_hit = static_cast<double>(stats.corrections_top_runner_up) /
                   static_cast<double>(stats.main_path_rejections);
  }
  return t;
}

double PredictedTokensPerSecond(const GenerationStats& stats, bool pipelined, int gamma,
                                int draft_ahead) {
  if (stats.rounds == 0 || gamma < 1) return 0.0;
  const spec::PipelineTimings t = MeasuredTimings(stats);
  return pipelined ? spec::PipelinedThroughput(t, gamma, std::max(draft_ahead, gamma))
                   : spec::SyncThroughput(t, gamma);
}

}  // namespace tandem::edge
