#include "common/spec/pipeline_model.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace tandem::spec {

double SyncThroughput(const PipelineTimings& t, int gamma) {
  const double a = std::clamp(t.alpha, 0.0, 1.0);
  const double tokens = a >= 1.0 ? gamma + 1.0 : (1.0 - std::pow(a, gamma + 1)) / (1.0 - a);
  return tokens / (gamma * t.t_draft + t.t_edge_per_chunk + t.t_verify(gamma + 1) + t.rtt);
}

double PipelinedThroughput(const PipelineTimings& t, int gamma, int draft_ahead) {
  const double a = std::clamp(t.alpha, 0.0, 0.999);
  gamma = std::max(gamma, 1);
  draft_ahead = std::max(draft_ahead, gamma);
  // Enough chunks that the geometric tail beyond them is below 1e-6 (at most
  // ~14000 tokens at the alpha cap of 0.999; a few dozen at alpha = 0.6).
  const int max_tokens = std::max(
      gamma, static_cast<int>(std::ceil(std::log(1e-6) / std::log(std::max(a, 1e-9)))) + gamma);
  const int n_chunks = max_tokens / gamma + 1;
  std::vector<double> arrival(n_chunks, 0.0);  // A_c
  double draft_free = 0.0;                     // when the drafter can start the next token
  double cloud_free = 0.0;                     // F_{c-1}
  double link_free = 0.0;                      // L_{c-1}
  for (int c = 0; c < n_chunks; ++c) {
    for (int i = 0; i < gamma; ++i) {
      const int j = c * gamma + i;
      double start = draft_free;
      if (j >= draft_ahead) start = std::max(start, arrival[(j - draft_ahead) / gamma]);
      draft_free = start + t.t_draft;
    }
    draft_free += t.t_edge_per_chunk;
    const double sent = draft_free;
    link_free = std::max(sent, link_free) + t.t_uplink(gamma);
    cloud_free = std::max(link_free + t.rtt / 2, cloud_free) + t.t_verify(gamma);
    arrival[c] = cloud_free + t.rtt / 2;
  }
  double expected_cycle = 0.0, mass = 0.0;
  double a_to_k = 1.0;  // alpha^k
  for (int k = 0; k < n_chunks * gamma; ++k, a_to_k *= a) {
    const double p = a_to_k * (1.0 - a);
    expected_cycle += p * arrival[k / gamma];
    mass += p;
  }
  expected_cycle += (1.0 - mass) * arrival.back();  // the negligible tail
  return (1.0 / (1.0 - a)) / expected_cycle;
}

double CloudOnlyThroughput(const PipelineTimings& t) { return 1.0 / t.t_verify(1); }

}  // namespace tandem::spec
