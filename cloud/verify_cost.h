#ifndef TANDEM_CLOUD_VERIFY_COST_H_
#define TANDEM_CLOUD_VERIFY_COST_H_

#include <functional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/model/llama_model.h"

namespace tandem::cloud {

// What one verification forward costs this cloud, as a line in the chunk's
// token count: t(n) = fixed + per_token n. Every edge gets it in Opened
// (protocol.md): its controller needs the per-token part to rank chunk
// sizes, and cannot fit it from its own verdicts while it keeps one size
// (common/spec/draft_length_controller.h).
struct VerifyCost {
  absl::Duration fixed;
  absl::Duration per_token;
};

// Fits the line through the medians of `repeats` timings each of chunks of
// `small` and `large` tokens, taken alternately so a change in the machine's
// speed meets both sizes alike. `time_forward(n)` runs one forward of n
// tokens and returns its duration. The slope and the fixed part are never
// negative. InvalidArgument unless 1 <= small < large and repeats >= 1.
absl::StatusOr<VerifyCost> FitVerifyCost(
    const std::function<absl::StatusOr<absl::Duration>(int tokens)>& time_forward, int small,
    int large, int repeats);

// FitVerifyCost on `target` itself, as verification runs it (logits for
// every row): chunks of 1 and `large` tokens appended to a scratch cache
// that already holds `context` tokens (fewer if the target's context is
// shorter; truncated back after each), after one warm-up forward of each
// size.
absl::StatusOr<VerifyCost> MeasureVerifyCost(const model::LlamaModel& target, int large,
                                             int context = 32, int repeats = 5);

}  // namespace tandem::cloud

#endif  // TANDEM_CLOUD_VERIFY_COST_H_
