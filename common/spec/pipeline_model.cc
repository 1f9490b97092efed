#include "common/spec/pipeline_model.h"

#include <algorithm>
#include <cmath>
#include <limits>
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
  std::vector<double> sent(n_chunks, 0.0);     // s_c
  double draft_free = 0.0;                     // when the drafter can start the next token
  double cloud_free = 0.0;                     // F_{c-1}
  double link_free = 0.0;                      // L_{c-1}

  // Correction branches: when each position's branch was done (infinity:
  // none), the next position to cover, and the first chunk whose verdict
  // had not arrived when the edge last looked.
  const bool branching = t.branch_length > 0 && t.branch_hit > 0 && t.t_branch_token > 0;
  const double branch_time = (t.branch_length + 1) * t.t_branch_token;
  std::vector<double> branch_done(branching ? n_chunks * gamma : 0,
                                  std::numeric_limits<double>::infinity());
  int next_branch = 0;
  int first_unverified = 0;
  // The position a branch grown at `now`, with chunks [0, sent_chunks)
  // sent, would cover: the earliest in flight without one, if its score
  // clears the minimum; -1 if none.
  auto branch_position = [&](double now, int sent_chunks) {
    while (first_unverified < sent_chunks && arrival[first_unverified] <= now) ++first_unverified;
    const int oldest = first_unverified * gamma;
    const int position = std::max(next_branch, oldest);
    if (position >= sent_chunks * gamma) return -1;
    return std::pow(a, position - oldest) * t.branch_hit < t.branch_min_score ? -1 : position;
  };
  // Grows that branch if it is done by `deadline`.
  auto grow_branch = [&](double& now, int sent_chunks, double deadline) {
    const int position = branch_position(now, sent_chunks);
    if (position < 0 || now + branch_time > deadline) return false;
    now += branch_time;
    branch_done[position] = now;
    next_branch = position + 1;
    return true;
  };

  for (int c = 0; c < n_chunks; ++c) {
    // Early branches: while the cloud's queue, as the edge folds it over the
    // chunks in flight, outlasts a branch and the next chunk.
    while (branching && branch_position(draft_free, c) >= 0) {
      double busy_until = 0.0;
      for (int x = first_unverified; x < c; ++x) {
        busy_until = std::max(busy_until, sent[x]) + t.t_verify(gamma);
      }
      if (busy_until - draft_free < branch_time + gamma * t.t_draft) break;
      grow_branch(draft_free, c, std::numeric_limits<double>::infinity());
    }
    for (int i = 0; i < gamma; ++i) {
      const int j = c * gamma + i;
      double start = draft_free;
      if (j >= draft_ahead) {
        const double verdict = arrival[(j - draft_ahead) / gamma];
        // At the draft-ahead limit: branches that are done before the verdict.
        while (branching && start < verdict && grow_branch(start, c, verdict)) {
        }
        start = std::max(start, verdict);
      }
      draft_free = start + t.t_draft;
    }
    draft_free += t.t_edge_per_chunk;
    sent[c] = draft_free;
    link_free = std::max(sent[c], link_free) + t.t_uplink(gamma);
    cloud_free = std::max(link_free + t.rtt / 2, cloud_free) + t.t_verify(gamma);
    arrival[c] = cloud_free + t.rtt / 2;
  }
  double expected_cycle = 0.0, mass = 0.0, covered_mass = 0.0;
  double a_to_k = 1.0;  // alpha^k
  for (int k = 0; k < n_chunks * gamma; ++k, a_to_k *= a) {
    const double p = a_to_k * (1.0 - a);
    expected_cycle += p * arrival[k / gamma];
    mass += p;
    if (branching && branch_done[k] <= arrival[k / gamma]) covered_mass += p;
  }
  expected_cycle += (1.0 - mass) * arrival.back();  // the negligible tail
  double expected_tokens = 1.0 / (1.0 - a);         // E[k + 1]
  if (branching) {
    // A covered rejection: the branch's run of accepted tokens plus its
    // correction, sum_{j<L} alpha^j, for the cloud's time on the branch.
    const double branch_tokens = (1.0 - std::pow(a, t.branch_length)) / (1.0 - a);
    expected_tokens += t.branch_hit * covered_mass * branch_tokens;
    expected_cycle += t.branch_hit * covered_mass * t.t_verify(t.branch_length + 1);
  }
  return expected_tokens / expected_cycle;
}

double CloudOnlyThroughput(const PipelineTimings& t) { return 1.0 / t.t_verify(1); }

}  // namespace tandem::spec
