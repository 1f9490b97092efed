#include "common/spec/draft_length_controller.h"

#include <algorithm>

namespace tandem::spec {

DraftLengthController::DraftLengthController(ControllerOptions options) : options_(options) {
  options_.min_gamma = std::max(1, options_.min_gamma);
  options_.max_gamma = std::max(options_.min_gamma, options_.max_gamma);
  options_.max_draft_ahead = std::max(options_.max_gamma, options_.max_draft_ahead);
  current_.gamma = std::clamp(options_.initial_gamma, options_.min_gamma, options_.max_gamma);
  current_.draft_ahead =
      std::clamp(options_.initial_draft_ahead, current_.gamma, options_.max_draft_ahead);
}

void DraftLengthController::ObserveRtt(double seconds) {
  const double w = options_.ewma_weight;
  estimates_.rtt = have_rtt_ ? (1 - w) * estimates_.rtt + w * seconds : seconds;
  have_rtt_ = true;
}

void DraftLengthController::ObserveDraftTime(double seconds_per_token) {
  const double w = options_.ewma_weight;
  estimates_.t_draft =
      have_draft_ ? (1 - w) * estimates_.t_draft + w * seconds_per_token : seconds_per_token;
  have_draft_ = true;
}

void DraftLengthController::ObserveVerify(int tokens, double seconds) {
  // Decayed weighted least squares of seconds against tokens.
  const double decay = 1 - options_.ewma_weight;
  sw_ = decay * sw_ + 1;
  sx_ = decay * sx_ + tokens;
  sy_ = decay * sy_ + seconds;
  sxx_ = decay * sxx_ + static_cast<double>(tokens) * tokens;
  sxy_ = decay * sxy_ + tokens * seconds;
  const double variance = sw_ * sxx_ - sx_ * sx_;
  double slope = 0;
  if (variance > 1e-9 * sw_ * sw_) slope = std::max(0.0, (sw_ * sxy_ - sx_ * sy_) / variance);
  estimates_.t_verify_per_token = slope;
  estimates_.t_verify_fixed = std::max(0.0, (sy_ - slope * sx_) / sw_);
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
  return PipelinedThroughput(t, gamma, draft_ahead);
}

DraftDecision DraftLengthController::Decide() {
  if (estimates_.verdicts < options_.warmup_verdicts) return current_;
  DraftDecision best = current_;
  best.predicted_tokens_per_s = Predict(current_.gamma, current_.draft_ahead);
  const double keep = best.predicted_tokens_per_s;
  for (int gamma = options_.min_gamma; gamma <= options_.max_gamma; ++gamma) {
    for (int d = gamma; d <= options_.max_draft_ahead; d *= 2) {
      const double rate = Predict(gamma, d);
      if (rate > best.predicted_tokens_per_s) best = {gamma, d, rate};
    }
  }
  if (best.predicted_tokens_per_s > keep * (1 + options_.hysteresis)) {
    current_ = best;
  } else {
    current_.predicted_tokens_per_s = keep;
  }
  return current_;
}

}  // namespace tandem::spec
