#ifndef TANDEM_COMMON_SPEC_SAMPLING_PARAMS_H_
#define TANDEM_COMMON_SPEC_SAMPLING_PARAMS_H_

#include <cstdint>

#include "absl/status/status.h"

namespace tandem::spec {

// How logits become a sampling distribution. The draft and the target use
// the same parameters so that p and q are warped identically (design §4).
struct SamplingParams {
  // 0 means greedy (argmax); otherwise logits are divided by it.
  double temperature = 0.0;
  // Keep only the k most likely tokens; 0 disables.
  int64_t top_k = 0;
  // Keep the smallest most-likely set whose probability reaches top_p; 1 disables.
  double top_p = 1.0;
  // Drop tokens whose probability is below min_p times the top probability; 0 disables.
  double min_p = 0.0;

  bool greedy() const { return temperature == 0.0; }
  // InvalidArgument naming the field and its allowed range.
  absl::Status Validate() const;
};

}  // namespace tandem::spec

#endif  // TANDEM_COMMON_SPEC_SAMPLING_PARAMS_H_
