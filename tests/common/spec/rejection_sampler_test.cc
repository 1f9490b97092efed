#include "common/spec/rejection_sampler.h"

#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "catch2/catch.hpp"
#include "common/spec/quantized_distribution.h"

namespace tandem::spec {
namespace {

const double kJustBelowOne = std::nextafter(1.0, 0.0);

TEST_CASE("RejectionSampler: accept iff u < p(x)/q(x), the boundary rejects", "[spec]") {
  // p = 0.25, q = 0.5: p/q = 0.5.
  CHECK(RejectionSampler::Accept(0.25, 0.5, 0.0));
  CHECK(RejectionSampler::Accept(0.25, 0.5, std::nextafter(0.5, 0.0)));
  CHECK_FALSE(RejectionSampler::Accept(0.25, 0.5, 0.5));
  CHECK_FALSE(RejectionSampler::Accept(0.25, 0.5, 0.75));
  // p >= q: p/q >= 1 > u for every u in [0, 1).
  CHECK(RejectionSampler::Accept(0.6, 0.3, kJustBelowOne));
  CHECK(RejectionSampler::Accept(0.3, 0.3, kJustBelowOne));
  // p = 0: 0 < 0 is false, never accepted.
  CHECK_FALSE(RejectionSampler::Accept(0.0, 0.3, 0.0));
}

TEST_CASE("RejectionSampler: candidates are inverse-CDF draws from p with their p", "[spec]") {
  // p = (0.5, 0, 0.3, 0.2), CDF 0.5, 0.5, 0.8, 1.0: u 0.1 -> 0; 0.5 -> 2
  // (the zero-mass id 1 is skipped); 0.79 -> 2; 0.81 -> 3; 0.99 -> 3.
  const std::vector<float> p = {0.5f, 0.0f, 0.3f, 0.2f};
  const std::vector<Candidate> c =
      RejectionSampler::DrawCandidates(p, std::vector<double>{0.1, 0.5, 0.79, 0.81, 0.99});
  REQUIRE(c.size() == 5);
  const std::vector<int32_t> want = {0, 2, 2, 3, 3};
  for (size_t i = 0; i < c.size(); ++i) {
    CHECK(c[i].id == want[i]);
    CHECK(c[i].p == p[want[i]]);
  }
}

TEST_CASE("RejectionSampler: the first candidate passing max(0, 1 - q/p) is chosen", "[spec]") {
  // q = (0.5, 0, 0.25, 0.25) = masses (32768, 0, 16384, 16384).
  // Pass probabilities: id 0 (p 0.5): 1 - 0.5/0.5 = 0; id 2 (p 0.3):
  // 1 - 0.25/0.3 = 0.1667; id 3 (p 0.2): max(0, 1 - 1.25) = 0.
  const std::vector<uint32_t> q = {32768, 0, 16384, 16384};
  const std::vector<Candidate> c = {{0, 0.5f}, {2, 0.3f}, {3, 0.2f}, {2, 0.3f}};
  // u 0 fails a pass probability of 0; 0.2 > 0.1667 fails; 0.1 passes.
  CHECK(RejectionSampler::ResolveCandidates(c, q, std::vector<double>{0.0, 0.2, 0.0, 0.1}) ==
        std::optional<size_t>(3));
  CHECK(RejectionSampler::ResolveCandidates(c, q, std::vector<double>{0.0, 0.16, 0.0, 0.1}) ==
        std::optional<size_t>(1));
  CHECK_FALSE(RejectionSampler::ResolveCandidates(c, q, std::vector<double>{0.0, 0.17, 0.0, 0.5})
                  .has_value());
  // A candidate where q has no mass passes with probability 1 - 0/p = 1.
  const std::vector<Candidate> off_q = {{1, 0.1f}};
  CHECK(RejectionSampler::ResolveCandidates(off_q, q, std::vector<double>{kJustBelowOne}) ==
        std::optional<size_t>(0));
}

TEST_CASE("RejectionSampler: residual of p=(.5,.3,.2), q=(.2,.5,.3) is always id 0", "[spec]") {
  // q quantized: 0.2, 0.5, 0.3 of 65536 = 13107.2, 32768, 19660.8; floors sum
  // to 65535 and the unit goes to .8 (id 2): (13107, 32768, 19661).
  // max(0, p - q) = (0.5 - 0.199997, 0, 0) = (0.300003, 0, 0): only id 0.
  const std::vector<float> p = {0.5f, 0.3f, 0.2f};
  const std::vector<float> q = {0.2f, 0.5f, 0.3f};
  const std::vector<uint32_t> q_dense = QuantizeFixed16(q);
  REQUIRE(q_dense == std::vector<uint32_t>{13107, 32768, 19661});
  const SparseDistribution q_sparse = SparsifyFixed16(q, 0);
  for (double u : {0.0, 0.5, kJustBelowOne}) {
    CHECK(RejectionSampler::SampleResidual(p, q_sparse, u) == 0);
    CHECK(RejectionSampler::SampleResidualDense(p, q_dense, u) == 0);
  }
}

TEST_CASE(
    "RejectionSampler: the residual keeps all of p where the sparse q has no "
    "mass",
    "[spec]") {
  // p uniform over 4, q̂ all on id 0: residual (0, .25, .25, .25), total .75.
  // u 0 -> id 1; u .34 -> .255 past the CDF .25 of id 1 -> id 2; u .9 -> 3.
  const std::vector<float> p = {0.25f, 0.25f, 0.25f, 0.25f};
  SparseDistribution q;
  q.ids = {0};
  q.masses = {65536};
  CHECK(RejectionSampler::SampleResidual(p, q, 0.0) == 1);
  CHECK(RejectionSampler::SampleResidual(p, q, 0.34) == 2);
  CHECK(RejectionSampler::SampleResidual(p, q, 0.9) == 3);
  // A support listed out of id order reads the same masses: q̂ = (0, .5, 0, .5)
  // stored as ids (3, 1) leaves residual (.25, 0, .25, 0): u .6 -> id 2.
  SparseDistribution q2;
  q2.ids = {3, 1};
  q2.masses = {32768, 32768};
  CHECK(RejectionSampler::SampleResidual(p, q2, 0.49) == 0);
  CHECK(RejectionSampler::SampleResidual(p, q2, 0.6) == 2);
}

TEST_CASE("RejectionSampler: a residual with no mass falls back to p", "[spec]") {
  // p == q = (.5, .5): max(0, p - q) = 0 everywhere, so sample p itself.
  const std::vector<float> p = {0.5f, 0.5f};
  const std::vector<uint32_t> q = {32768, 32768};
  CHECK(RejectionSampler::SampleResidualDense(p, q, 0.3) == 0);
  CHECK(RejectionSampler::SampleResidualDense(p, q, 0.7) == 1);
  CHECK(RejectionSampler::SampleResidual(p, SparsifyFixed16(p, 0), 0.7) == 1);
}

TEST_CASE("RejectionSampler: TopK keeps the K most likely with their retained mass", "[spec]") {
  // p = (0.1, 0.4, 0.2, 0.3, 0): top 2 = ids 1 (0.4), 3 (0.3), mass 0.7.
  const std::vector<float> p = {0.1f, 0.4f, 0.2f, 0.3f, 0.0f};
  double retained = 0.0;
  const std::vector<Candidate> top2 = RejectionSampler::TopK(p, 2, &retained);
  REQUIRE(top2.size() == 2);
  CHECK(top2[0].id == 1);
  CHECK(top2[0].p == 0.4f);
  CHECK(top2[1].id == 3);
  CHECK(top2[1].p == 0.3f);
  CHECK(retained == Approx(0.7).margin(1e-7));
  // K beyond the support: the 4 positive tokens, mass 1; the zero is left out.
  const std::vector<Candidate> all = RejectionSampler::TopK(p, 10, &retained);
  REQUIRE(all.size() == 4);
  CHECK(all[3].id == 0);
  CHECK(retained == Approx(1.0).margin(1e-7));
  // Ties keep the lower id; a null retained_mass is allowed.
  const std::vector<Candidate> tie =
      RejectionSampler::TopK(std::vector<float>{0.2f, 0.4f, 0.4f}, 1, nullptr);
  REQUIRE(tie.size() == 1);
  CHECK(tie[0].id == 1);
}

TEST_CASE("RejectionSampler: topk residual uses p̂ not renormalised (PicoSpec)", "[spec]") {
  // Top-2 (ids 1: 0.4, 3: 0.3), q uniform 0.25: max(0, p̂ - q) = (0.15, 0.05),
  // total 0.2, so id 1 for u < 0.75. Renormalising p̂ first would give
  // (0.571 - 0.25, 0.429 - 0.25) = (0.321, 0.179): id 1 only for u < 0.642.
  // u = 0.7 tells the two apart.
  const std::vector<Candidate> top = {{1, 0.4f}, {3, 0.3f}};
  const std::vector<uint32_t> q = {16384, 16384, 16384, 16384};
  CHECK(RejectionSampler::SampleTopKResidual(top, q, 0.7) == 1);
  CHECK(RejectionSampler::SampleTopKResidual(top, q, 0.74) == 1);
  CHECK(RejectionSampler::SampleTopKResidual(top, q, 0.76) == 3);
}

TEST_CASE(
    "RejectionSampler: topk residual with no mass samples the renormalised "
    "top-K",
    "[spec]") {
  // Top-2 (0: 0.5, 1: 0.3) under q (0.5, 0.5, 0): residual 0 on both, so
  // sample (0.5, 0.3) / 0.8: u 0.6 -> 0.48 < 0.5 -> id 0; u 0.63 -> 0.504 -> 1.
  const std::vector<Candidate> top = {{0, 0.5f}, {1, 0.3f}};
  const std::vector<uint32_t> q = {32768, 32768, 0};
  CHECK(RejectionSampler::SampleTopKResidual(top, q, 0.6) == 0);
  CHECK(RejectionSampler::SampleTopKResidual(top, q, 0.63) == 1);
}

}  // namespace
}  // namespace tandem::spec
