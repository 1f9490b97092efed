#include "common/spec/pipeline_model.h"

#include "catch2/catch.hpp"

namespace tandem::spec {
namespace {

using Catch::Matchers::WithinRel;

PipelineTimings Timings(double alpha, double t_d, double t_v, double rtt) {
  PipelineTimings t;
  t.alpha = alpha;
  t.t_draft = t_d;
  t.t_verify_fixed = t_v;
  t.rtt = rtt;
  return t;
}

TEST_CASE("SyncThroughput: expected tokens per round over the round time", "[spec][model]") {
  // alpha 0.5, gamma 2: 1 + 0.5 + 0.25 = 1.75 tokens per round;
  // round = 2 * 1 ms + 2 ms + 10 ms = 14 ms -> 125 tokens/s.
  CHECK_THAT(SyncThroughput(Timings(0.5, 1e-3, 2e-3, 10e-3), 2), WithinRel(125.0, 1e-9));
  // alpha 0: one token per round.
  CHECK_THAT(SyncThroughput(Timings(0.0, 1e-3, 2e-3, 0.0), 1), WithinRel(1.0 / 3e-3, 1e-9));
}

TEST_CASE("PipelinedThroughput: alpha 0 makes every cycle one chunk round trip", "[spec][model]") {
  // alpha 0: k = 0 always, the cycle is draft gamma + RTT + verify:
  // gamma 1: 1 ms + 10 ms + 2 ms = 13 ms per token.
  CHECK_THAT(PipelinedThroughput(Timings(0.0, 1e-3, 2e-3, 10e-3), 1, 8),
             WithinRel(1.0 / 13e-3, 1e-6));
}

TEST_CASE("PipelinedThroughput: without rejections the slowest stage sets the pace",
          "[spec][model]") {
  // alpha -> 1 and D large: the cloud verifies gamma=4 tokens every 2 ms
  // while the edge drafts one per 1 ms: the edge (1000 tokens/s) is the
  // bottleneck. The RTT only delays the start, so the rate approaches 1000/s.
  const double rate = PipelinedThroughput(Timings(0.9999, 1e-3, 2e-3, 50e-3), 4, 1000);
  CHECK(rate > 900.0);
  CHECK(rate <= 1000.0 + 1e-6);
}

TEST_CASE("PipelinedThroughput: beats synchronous decoding at high RTT", "[spec][model]") {
  // The PicoSpec regime, worked by hand: alpha 0.9, t_d 2 ms, t_v 5 ms,
  // RTT 50 ms, gamma 4.
  // Sync: (1 - 0.9^5) / 0.1 = 4.095 tokens per 8 + 5 + 50 = 63 ms -> 65.0/s.
  // Pipelined (D large): chunk c is drafted by 8(c+1) ms and its verdict
  // arrives at 63 + 8c ms (the cloud keeps up); the rejection's chunk is
  // floor(k/4) with E = 0.9^4 / (1 - 0.9^4) = 1.905, so a cycle lasts
  // 63 + 8 * 1.905 = 78.2 ms and commits 1 / 0.1 = 10 tokens -> 127.8/s.
  const PipelineTimings t = Timings(0.9, 2e-3, 5e-3, 50e-3);
  CHECK_THAT(SyncThroughput(t, 4), WithinRel(4.0951 / 63e-3, 1e-3));
  CHECK_THAT(PipelinedThroughput(t, 4, 64), WithinRel(127.8, 0.01));
  // A draft-ahead limit equal to gamma serialises the pipeline: one chunk
  // per 63 ms without the bonus token, slower than sync.
  CHECK(PipelinedThroughput(t, 4, 4) < SyncThroughput(t, 4));
}

TEST_CASE("PipelinedThroughput: a bottleneck uplink sets the pace by its bytes per chunk",
          "[spec][model]") {
  // alpha -> 1, fast compute, no RTT: a 4 kB/s uplink carries a chunk of
  // gamma tokens in (60 + 4 gamma) / 4000 s, so gamma = 4 runs at
  // 4 x 4000 / 76 = 210.5 tokens/s, gamma = 8 at 8 x 4000 / 92 = 347.8.
  PipelineTimings t = Timings(0.9999, 0.1e-3, 0.1e-3, 0.0);
  t.uplink_bytes_per_s = 4000;
  t.chunk_bytes_fixed = 60;
  t.chunk_bytes_per_token = 4;
  CHECK_THAT(PipelinedThroughput(t, 4, 1000), WithinRel(4 * 4000.0 / 76, 0.02));
  CHECK_THAT(PipelinedThroughput(t, 8, 1000), WithinRel(8 * 4000.0 / 92, 0.02));
  // Without the bottleneck the same chunks cost no time on the link.
  t.uplink_bytes_per_s = 0;
  CHECK(PipelinedThroughput(t, 4, 1000) > 2000.0);
}

TEST_CASE("PipelinedThroughput: on a thin uplink the best chunk is longer", "[spec][model]") {
  // The drift-uplink bench's congested cell, about as the edge measures
  // it: alpha 0.75, t_d 1.5 ms, t_v 4 ms, RTT 80 ms, 0.5 ms per chunk at the
  // edge; a chunk is ~60 bytes plus ~3 per token. At 4 kB/s (32 kbit/s) a
  // chunk's fixed bytes take 15 ms, which the round trip alone does not show.
  auto best_gamma = [](double uplink_bytes_per_s) {
    PipelineTimings t = Timings(0.75, 1.5e-3, 4e-3, 80e-3);
    t.t_edge_per_chunk = 0.5e-3;
    t.uplink_bytes_per_s = uplink_bytes_per_s;
    t.chunk_bytes_fixed = 60;
    t.chunk_bytes_per_token = 3;
    int best = 0;
    double best_rate = 0;
    for (int gamma = 1; gamma <= 8; ++gamma) {
      for (int d = gamma; d <= 64; d *= 2) {
        const double rate = PipelinedThroughput(t, gamma, d);
        if (rate > best_rate) {
          best_rate = rate;
          best = gamma;
        }
      }
    }
    return best;
  };
  const int fat = best_gamma(0);
  const int thin = best_gamma(4000);
  CHECK(fat <= 3);
  CHECK(thin >= fat + 2);
}

TEST_CASE("PipelinedThroughput: a branch grown while the edge waits covers the rejection",
          "[spec][model]") {
  // alpha 0: every cycle rejects its first token. gamma 1, D 1: chunk 0 is
  // drafted by 1 ms and its verdict arrives at 1 + 10 + 2 = 13 ms; waiting
  // from 1 ms, the edge grows a branch for position 0 in (L + 1) t_b = 3 ms.
  // Half the rejections (branch_hit) take it, and the cycle then also
  // commits the branch's sum_{j<2} 0^j = 1 token (its correction) for
  // t_v = 2 ms more: (1 + 0.5) / (13 + 0.5 * 2) ms = 107.1 tokens/s.
  PipelineTimings t = Timings(0.0, 1e-3, 2e-3, 10e-3);
  t.branch_length = 2;
  t.t_branch_token = 1e-3;
  t.branch_hit = 0.5;
  CHECK_THAT(PipelinedThroughput(t, 1, 1), WithinRel(1.5 / 14e-3, 1e-6));
  // A branch that would not be done before the verdict (3 x 5 ms > 12 ms)
  // is not grown: the branch-free rate, 1 / 13 ms.
  t.t_branch_token = 5e-3;
  CHECK_THAT(PipelinedThroughput(t, 1, 1), WithinRel(1.0 / 13e-3, 1e-6));
  // Nor does a root that never matches, or a score below the minimum.
  t.t_branch_token = 1e-3;
  t.branch_hit = 0;
  CHECK_THAT(PipelinedThroughput(t, 1, 1), WithinRel(1.0 / 13e-3, 1e-6));
  t.branch_hit = 0.005;
  CHECK_THAT(PipelinedThroughput(t, 1, 1), WithinRel(1.0 / 13e-3, 1e-6));
}

TEST_CASE("PipelinedThroughput: drafting far past the round trip starves the branches",
          "[spec][model]") {
  // The cellular preset about as the edge measured it (docs/benchmarks.md):
  // alpha 0.7, t_d 0.87 ms, t_v 4.5 ms + 0.1 ms per token, RTT 107 ms, 0.5
  // ms per chunk at the edge; branches of 8 tokens at 0.85 ms each, the top
  // runner-up the correction half the time. With D = 64 the edge drafts for
  // the whole round trip and never waits, and the cloud keeps up with
  // 8-token chunks, so no branch is grown: the branch-free rate. With D = 16
  // it waits at the limit and grows branches, which cover rejections that
  // each cost a round trip.
  PipelineTimings t = Timings(0.7, 0.87e-3, 4.5e-3, 107e-3);
  t.t_verify_per_token = 0.1e-3;
  t.t_edge_per_chunk = 0.5e-3;
  PipelineTimings branching = t;
  branching.branch_length = 8;
  branching.t_branch_token = 0.85e-3;
  branching.branch_hit = 0.5;
  CHECK_THAT(PipelinedThroughput(branching, 8, 64), WithinRel(PipelinedThroughput(t, 8, 64), 1e-9));
  CHECK(PipelinedThroughput(branching, 8, 16) > 1.3 * PipelinedThroughput(branching, 8, 64));
  // Without branches the deeper limit is never worse.
  CHECK(PipelinedThroughput(t, 8, 64) >= PipelinedThroughput(t, 8, 16));
}

}  // namespace
}  // namespace tandem::spec
