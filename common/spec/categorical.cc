#include "common/spec/categorical.h"

#include "common/base/logging.h"

namespace tandem::spec {

int32_t Argmax(absl::Span<const float> values) {
  ABSL_CHECK(!values.empty());
  int32_t best = 0;
  for (size_t i = 1; i < values.size(); ++i) {
    if (values[i] > values[best]) best = static_cast<int32_t>(i);
  }
  return best;
}

int32_t SampleCategorical(absl::Span<const float> weights, double u) {
  double total = 0.0;
  for (float w : weights) total += w;
  ABSL_CHECK_GT(total, 0.0);
  const double target = u * total;
  double cumulative = 0.0;
  int32_t last_positive = -1;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (weights[i] <= 0.0f) continue;
    cumulative += weights[i];
    last_positive = static_cast<int32_t>(i);
    if (target < cumulative) return last_positive;
  }
  // Rounding left u * total at or past the running sum: the last token with
  // positive weight is the one the exact arithmetic would pick.
  return last_positive;
}

}  // namespace tandem::spec
