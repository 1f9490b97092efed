#include "common/spec/sampling_params.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace tandem::spec {

absl::Status SamplingParams::Validate() const {
  if (!std::isfinite(temperature) || temperature < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("temperature ", temperature, " must be >= 0 (0 = greedy)"));
  }
  if (top_k < 0) {
    return absl::InvalidArgumentError(absl::StrCat("top_k ", top_k, " must be >= 0 (0 = off)"));
  }
  if (!(top_p > 0 && top_p <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("top_p ", top_p, " must be in (0, 1] (1 = off)"));
  }
  if (!(min_p >= 0 && min_p <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("min_p ", min_p, " must be in [0, 1] (0 = off)"));
  }
  return absl::OkStatus();
}

}  // namespace tandem::spec
