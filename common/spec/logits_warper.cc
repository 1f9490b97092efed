#include "common/spec/logits_warper.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/spec/categorical.h"

namespace tandem::spec {
namespace {

// Token ids sorted by decreasing logit, ties by increasing id. Only the first
// `keep` entries are ordered (partial sort) when keep < size.
std::vector<int32_t> RankTokens(absl::Span<const float> logits, size_t keep) {
  std::vector<int32_t> order(logits.size());
  std::iota(order.begin(), order.end(), 0);
  auto before = [&](int32_t a, int32_t b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  };
  keep = std::min(keep, order.size());
  std::partial_sort(order.begin(), order.begin() + keep, order.end(), before);
  order.resize(keep);
  return order;
}

}  // namespace

std::vector<float> WarpLogits(absl::Span<const float> logits, const SamplingParams& params) {
  std::vector<float> probs(logits.size(), 0.0f);
  if (logits.empty()) return probs;
  if (params.greedy()) {
    probs[Argmax(logits)] = 1.0f;
    return probs;
  }
  // Candidates in rank order. top-p and min-p need the order too, so rank
  // the top_k (or everything) once.
  const size_t keep = params.top_k > 0 ? static_cast<size_t>(params.top_k) : logits.size();
  std::vector<int32_t> ranked = RankTokens(logits, keep);

  // Softmax of logits / T over the candidates, stably (subtract the max).
  const double inv_t = 1.0 / params.temperature;
  const double max_logit = logits[ranked.front()];
  std::vector<double> weight(ranked.size());
  double total = 0.0;
  for (size_t i = 0; i < ranked.size(); ++i) {
    weight[i] = std::exp((logits[ranked[i]] - max_logit) * inv_t);
    total += weight[i];
  }
  size_t n_kept = ranked.size();
  if (params.top_p < 1.0) {
    // Smallest prefix of the ranking whose mass reaches top_p (at least one).
    double mass = 0.0;
    for (size_t i = 0; i < n_kept; ++i) {
      mass += weight[i] / total;
      if (mass >= params.top_p) {
        n_kept = i + 1;
        break;
      }
    }
  }
  if (params.min_p > 0.0) {
    // p_i >= min_p * p_max, with p taken after the cuts above; weight[0] is
    // the largest, so the ratio of weights is the ratio of probabilities.
    const double threshold = params.min_p * weight[0];
    size_t i = 1;
    while (i < n_kept && weight[i] >= threshold) ++i;
    n_kept = i;
  }
  double kept_total = 0.0;
  for (size_t i = 0; i < n_kept; ++i) kept_total += weight[i];
  for (size_t i = 0; i < n_kept; ++i) {
    probs[ranked[i]] = static_cast<float>(weight[i] / kept_total);
  }
  return probs;
}

}  // namespace tandem::spec
