#include "common/spec/draft_length_controller.h"

#include <algorithm>
#include <vector>

namespace tandem::spec {
namespace {

// The bounds made consistent: 1 <= min_gamma <= max_gamma <= max_draft_ahead.
ControllerOptions Bounded(ControllerOptions options) {
  options.min_gamma = std::max(1, options.min_gamma);
  options.max_gamma = std::max(options.min_gamma, options.max_gamma);
  options.max_draft_ahead = std::max(options.max_gamma, options.max_draft_ahead);
  return options;
}

}  // namespace

int DraftAheadWithBranchRoom(int gamma, int draft_ahead, int branch_length, int limit) {
  gamma = std::max(gamma, 1);
  const int room = (std::max(branch_length, 0) + gamma - 1) / gamma * gamma;
  const int whole_limit = std::max(gamma, limit / gamma * gamma);
  return std::max(draft_ahead, std::min(draft_ahead + room, whole_limit));
}

DraftLengthController::DraftLengthController(ControllerOptions options)
    : options_(Bounded(options)),
      verify_fit_(1 - options_.ewma_weight, options_.min_size_variance),
      bytes_fit_(1 - options_.ewma_weight, options_.min_size_variance) {
  current_.gamma = std::clamp(options_.initial_gamma, options_.min_gamma, options_.max_gamma);
  current_.draft_ahead =
      std::clamp(options_.initial_draft_ahead, current_.gamma, options_.max_draft_ahead);
  tested_ = std::max(0.0, options_.alpha_prior_tokens);
  accepted_ = options_.alpha_prior * tested_;
  estimates_.alpha = options_.alpha_prior;
  root_tested_ = std::max(0.0, options_.branch_hit_prior_rejections);
  root_hits_ = options_.branch_hit_prior * root_tested_;
  estimates_.branch_hit = options_.branch_hit_prior;
}

DraftLengthController DraftLengthController::ForNewSession(const ControllerOptions& options) const {
  DraftLengthController next = *this;
  next.options_ = Bounded(options);
  next.current_.gamma =
      std::clamp(current_.gamma, next.options_.min_gamma, next.options_.max_gamma);
  next.current_.draft_ahead =
      std::clamp(current_.draft_ahead, next.current_.gamma, next.options_.max_draft_ahead);
  return next;
}

void DraftLengthController::ObserveRtt(double seconds) {
  const double w = options_.ewma_weight;
  estimates_.rtt = have_rtt_ ? (1 - w) * estimates_.rtt + w * seconds : seconds;
  have_rtt_ = true;
}

void DraftLengthController::ObserveOpenRtt(double seconds) {
  if (have_rtt_) {
    ObserveRtt(seconds);
  } else {
    estimates_.rtt = seconds;  // have_rtt_ stays false: the first sample replaces it
  }
}

void DraftLengthController::ObserveDraftTime(double seconds_per_token) {
  const double w = options_.ewma_weight;
  estimates_.t_draft =
      have_draft_ ? (1 - w) * estimates_.t_draft + w * seconds_per_token : seconds_per_token;
  have_draft_ = true;
}

void DraftLengthController::ObserveChunkOverhead(double seconds) {
  const double w = options_.ewma_weight;
  estimates_.t_edge_per_chunk =
      have_overhead_ ? (1 - w) * estimates_.t_edge_per_chunk + w * seconds : seconds;
  have_overhead_ = true;
}

void DraftLengthController::ObserveVerify(int tokens, double seconds) {
  verify_fit_.Add(tokens, seconds);
  estimates_.t_verify_per_token = verify_fit_.slope();
  estimates_.t_verify_fixed = verify_fit_.intercept();
}

void DraftLengthController::ObserveCloudVerifyCost(double fixed_seconds, double per_token_seconds) {
  verify_fit_.SetSlopePrior(per_token_seconds, options_.verify_slope_prior_variance);
  if (verify_fit_.empty()) {
    estimates_.t_verify_fixed = std::max(0.0, fixed_seconds);
    estimates_.t_verify_per_token = std::max(0.0, per_token_seconds);
  } else {
    estimates_.t_verify_per_token = verify_fit_.slope();
    estimates_.t_verify_fixed = verify_fit_.intercept();
  }
}

void DraftLengthController::ObserveUplinkBottleneck(double bytes_per_s) {
  estimates_.uplink_bytes_per_s = std::max(0.0, bytes_per_s);
}

void DraftLengthController::ObserveChunkBytes(int tokens, double bytes) {
  bytes_fit_.Add(tokens, bytes);
  estimates_.chunk_bytes_per_token = bytes_fit_.slope();
  estimates_.chunk_bytes_fixed = bytes_fit_.intercept();
}

void DraftLengthController::ObserveBranching(int length, double seconds_per_token) {
  estimates_.branch_length = std::max(0, length);
  estimates_.t_branch_token = std::max(0.0, seconds_per_token);
}

void DraftLengthController::ObserveRejectionRoot(bool correction_was_top_runner_up) {
  // Rejections are a few per generation: the acceptance rate's long window.
  const double decay = 1 - options_.ewma_weight / 8;
  root_hits_ = decay * root_hits_ + (correction_was_top_runner_up ? 1 : 0);
  root_tested_ = decay * root_tested_ + 1;
  estimates_.branch_hit = std::clamp(root_hits_ / root_tested_, 0.0, 1.0);
}

void DraftLengthController::ObserveVerdict(int accepted, bool rejected) {
  // Acceptance is noisy per verdict and drifts slowly: a longer window
  // (~1 / (w/8) = 40 verdicts at the default w) than for timings.
  const double decay = 1 - options_.ewma_weight / 8;
  accepted_ = decay * accepted_ + accepted;
  tested_ = decay * tested_ + accepted + (rejected ? 1 : 0);
  if (tested_ > 0) estimates_.alpha = std::clamp(accepted_ / tested_, 0.0, 0.99);
  ++estimates_.verdicts;
}

double DraftLengthController::Predict(int gamma, int draft_ahead) const {
  PipelineTimings t;
  t.alpha = estimates_.alpha;
  t.t_draft = estimates_.t_draft;
  t.t_verify_fixed = estimates_.t_verify_fixed;
  t.t_verify_per_token = estimates_.t_verify_per_token;
  t.rtt = estimates_.rtt;
  t.t_edge_per_chunk = estimates_.t_edge_per_chunk;
  t.uplink_bytes_per_s = estimates_.uplink_bytes_per_s;
  t.chunk_bytes_fixed = estimates_.chunk_bytes_fixed;
  t.chunk_bytes_per_token = estimates_.chunk_bytes_per_token;
  t.branch_length = estimates_.branch_length;
  t.t_branch_token = estimates_.t_branch_token;
  t.branch_hit = estimates_.branch_hit;
  // The edge applies D plus room for a branch (SpeculativeClient::ApplyControllerDecision).
  return PipelinedThroughput(
      t, gamma,
      DraftAheadWithBranchRoom(gamma, draft_ahead, t.branch_length, options_.max_draft_ahead));
}

DraftDecision DraftLengthController::Decide() {
  if (estimates_.verdicts < options_.warmup_verdicts) return current_;
  const double keep = Predict(current_.gamma, current_.draft_ahead);
  std::vector<DraftDecision> candidates;
  double top = keep;
  const bool gamma_fixed = estimates_.verdicts < options_.gamma_warmup_verdicts;
  for (int gamma = options_.min_gamma; gamma <= options_.max_gamma; ++gamma) {
    if (gamma_fixed && gamma != current_.gamma) continue;
    for (int d = gamma; d <= options_.max_draft_ahead; d *= 2) {
      candidates.push_back({gamma, d, Predict(gamma, d)});
      top = std::max(top, candidates.back().predicted_tokens_per_s);
    }
  }
  // The least speculative setting that is near the best.
  DraftDecision best = current_;
  best.predicted_tokens_per_s = keep;
  bool found = false;
  for (const DraftDecision& c : candidates) {
    if (c.predicted_tokens_per_s < top * (1 - options_.near_optimal)) continue;
    if (!found || c.draft_ahead < best.draft_ahead ||
        (c.draft_ahead == best.draft_ahead && c.gamma < best.gamma)) {
      best = c;
      found = true;
    }
  }
  // Switch to a setting predicted `hysteresis` faster, or to an equally good
  // (near-optimal) one that drafts less far ahead. Going up needs a 3% gain
  // (hysteresis), going down the 0.2% band (near_optimal): the thresholds
  // differ, so a steady channel does not make the setting flip back and
  // forth. The first decision replaces the initial setting outright: that setting
  // was a placeholder, not a choice the estimates made, and holding it
  // until something beat it by 3% kept D = 8 over a 60 ms link for most of
  // a generation (the priors put D = 16 only ~1.5% ahead).
  const bool current_near_best = keep >= top * (1 - options_.near_optimal);
  const bool faster = best.predicted_tokens_per_s > keep * (1 + options_.hysteresis);
  const bool leaner = current_near_best && best.draft_ahead < current_.draft_ahead;
  const bool first = !decided_;
  decided_ = true;
  if (found && (first || faster || leaner)) {
    current_ = best;
  } else {
    current_.predicted_tokens_per_s = keep;
  }
  return current_;
}

}  // namespace tandem::spec
