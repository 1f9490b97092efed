#ifndef TANDEM_COMMON_SPEC_CATEGORICAL_H_
#define TANDEM_COMMON_SPEC_CATEGORICAL_H_

#include <cstdint>

#include "absl/types/span.h"

namespace tandem::spec {

// Index of the largest value; the lowest index among equal maxima (as
// torch.argmax). `values` must be non-empty.
int32_t Argmax(absl::Span<const float> values);

// Inverse-CDF draw from unnormalised non-negative weights with a uniform
// u in [0, 1): the first index i with u * total < weights[0] + ... +
// weights[i]. Never returns an index of weight 0. The sum must be > 0.
int32_t SampleCategorical(absl::Span<const float> weights, double u);

}  // namespace tandem::spec

#endif  // TANDEM_COMMON_SPEC_CATEGORICAL_H_
