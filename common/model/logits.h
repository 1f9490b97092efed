#ifndef TANDEM_COMMON_MODEL_LOGITS_H_
#define TANDEM_COMMON_MODEL_LOGITS_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"

namespace tandem::model {

// Next-token logits for a run of positions, float32, row-major, on the host.
// Row i holds the logits that predict the token after input position i.
struct Logits {
  int64_t n_rows = 0;
  int64_t vocab = 0;
  std::vector<float> values;  // [n_rows, vocab]

  absl::Span<const float> Row(int64_t i) const {
    return absl::MakeConstSpan(values).subspan(i * vocab, vocab);
  }
};

}  // namespace tandem::model

#endif  // TANDEM_COMMON_MODEL_LOGITS_H_
