#ifndef TANDEM_COMMON_SPEC_LOGITS_WARPER_H_
#define TANDEM_COMMON_SPEC_LOGITS_WARPER_H_

#include <vector>

#include "absl/types/span.h"
#include "common/spec/sampling_params.h"

namespace tandem::spec {

// Turns one position's logits into the distribution that is sampled from,
// applying, in transformers' order: temperature, top-k, top-p, min-p, and a
// final renormalisation. Both the draft (q) and the target (p) go through
// this one function, so both sides warp identically.
//
// Greedy (temperature 0) gives a one-hot vector at Argmax(logits).
// Returns dense probabilities over the whole vocabulary ([vocab]) that sum
// to 1 (computed in double, stored as float); filtered tokens are exactly 0.
// Ties at a cut-off keep the lower token ids. `params` must be valid.
std::vector<float> WarpLogits(absl::Span<const float> logits, const SamplingParams& params);

}  // namespace tandem::spec

#endif  // TANDEM_COMMON_SPEC_LOGITS_WARPER_H_
