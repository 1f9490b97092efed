#ifndef TANDEM_COMMON_SPEC_REJECTION_SAMPLER_H_
#define TANDEM_COMMON_SPEC_REJECTION_SAMPLER_H_

// Speculative sampling at one position (design §4), as static pure
// functions with the uniforms passed in (ScaleLLM style).
//
// Notation: p is the target distribution and q the draft's, both after the
// same WarpLogits; q is the distribution the draft token was ACTUALLY sampled
// from (the quantized q̃ or the sparse q̂ of quantized_distribution.h).
//
// Speculative sampling (Leviathan et al. 2023, "Fast Inference from
// Transformers via Speculative Decoding", Alg. 1 and Appendix A.1; Chen et
// al. 2023, "Accelerating Large Language Model Decoding with Speculative
// Sampling", Thm. 1): draw x ~ q; accept x with probability min(1, p(x)/q(x));
// on rejection draw from the residual r = norm(max(0, p - q)). Then
//   P(out = y) = min(p(y), q(y)) + (1 - sum_x min(p(x), q(x))) * r(y) = p(y),
// since 1 - sum min(p, q) = sum max(0, p - q) is r's normaliser. The mean
// acceptance rate is sum_x min(p(x), q(x)). Exact for any q with q(x) > 0
// wherever x can be drafted.
//
// The three verification modes differ only in who samples the residual:
//  - exact: the cloud holds p, the edge holds q. The cloud draws candidates
//    y_i ~ p (DrawCandidates) and sends (y_i, p(y_i)); the edge accepts the
//    first y_i with u_i < max(0, 1 - q(y_i)/p(y_i)) (ResolveCandidates). This
//    is rejection sampling of r with proposal p and envelope 1:
//    p(y) * max(0, 1 - q(y)/p(y)) = max(0, p(y) - q(y)), so an accepted y is
//    distributed exactly as r, and each candidate passes with probability
//    sum max(0, p - q). Lossless. If no candidate of a batch passes, the edge
//    asks for more; as that probability can be tiny (p ~= q) or 0 (p <= q
//    everywhere up to rounding), callers must cap the batches and then fetch
//    the dense p and use SampleResidualDense, which is exact too (every batch
//    is independent, so stopping after any number of failed batches and
//    sampling r directly still yields r).
//  - sparse-draft (QS-SD style: Zhang et al. 2025, "Quantize-Sample-and-
//    Verify", arXiv:2507.00605, with the top-K sparsification of Bhattacharjee
//    et al. 2025, SQS-SD, arXiv:2510.09942): the edge samples x ~ q̂
//    (SparsifyFixed16) and uploads q̂ whole; the cloud samples r itself
//    (SampleResidual). Lossless.
//  - topk (PicoSpec as published: Zhang et al. 2026, "A Pipelined
//    Collaborative Speculative Decoding Framework for Efficient Edge-Cloud LLM
//    Inference", arXiv:2603.19133): on rejection the cloud sends the top-K
//    of p (TopK) and the edge samples norm(max(0, p̂ - q)) with p̂ = p
//    restricted to the top-K set T (SampleTopKResidual). APPROXIMATE. With
//    beta = sum max(0, q - p) the rejection probability and
//    R_T = sum_{y in T} max(0, p(y) - q(y)), its output is
//      o(y) = min(p(y), q(y)) + beta * 1[y in T] max(0, p(y) - q(y)) / R_T
//    (p(y) / p(T) in place of max(0, p - q)(y) / R_T when R_T = 0). Tokens
//    outside T are under-produced by their residual max(0, p - q) and T is
//    over-produced by the same total, so the bias is
//      TV(o, p) = R_out = sum_{y not in T} max(0, p(y) - q(y)),
//    the residual mass outside the top-K. R_out <= 1 - retained_mass (the p
//    mass outside T, which TopK reports), and R_out = 0 when the warped p
//    has <= K support (or, more generally, when p <= q outside T).
//
// All functions are thread-compatible and allocate at most O(output) or
// O(support); p is dense ([vocab]) and sums to ~1; q_masses is dense
// ([vocab]) on the 2^-16 grid (QuantizeFixed16), summing to 65536. Uniforms
// are in [0, 1). Preconditions are ABSL_CHECKed: callers validate anything
// that arrived over the wire (ids in range, q > 0) before calling.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/types/span.h"
#include "common/spec/quantized_distribution.h"

namespace tandem::spec {

// A token and its target probability p(id), as sent for the residual.
struct Candidate {
  int32_t id;
  float p;
};

class RejectionSampler {
 public:
  // The speculative sampling accept test: accept draft x iff u < p(x) / q(x),
  // i.e. with probability min(1, p(x)/q(x)). q_x > 0 (x was drafted from q).
  // u == p/q rejects; p_x >= q_x always accepts.
  static bool Accept(double p_x, double q_x, double u);

  // Exact mode, cloud side: one candidate y_i ~ p per uniform
  // (SampleCategorical), each with p(y_i). Returns [uniforms.size()].
  static std::vector<Candidate> DrawCandidates(absl::Span<const float> p,
                                               absl::Span<const double> uniforms);

  // Exact mode, edge side: the index of the first candidate i with
  // uniforms[i] < max(0, 1 - q(y_i)/p(y_i)), q(y) = q_masses[y] / 65536;
  // nullopt if none passes (ask for more candidates, or the dense p). The
  // accepted y is distributed exactly as norm(max(0, p - q)). `uniforms` has
  // one entry per candidate; candidate ids index q_masses. A candidate with
  // p <= 0 never passes (its residual is 0).
  static std::optional<size_t> ResolveCandidates(absl::Span<const Candidate> candidates,
                                                 absl::Span<const uint32_t> q_masses,
                                                 absl::Span<const double> uniforms);

  // norm(max(0, p - q)) sampled directly by inverse CDF (in id order) with
  // one uniform; q = q̂ (sparse-draft mode, cloud side), whose ids index p.
  // If the residual has no mass (p <= q everywhere, i.e. p == q up to
  // rounding, when a rejection is possible only through rounding), samples p.
  static int32_t SampleResidual(absl::Span<const float> p, const SparseDistribution& q, double u);

  // As SampleResidual with a dense q̃ ([vocab] masses): used when the edge
  // fetched the dense p after candidates kept failing.
  static int32_t SampleResidualDense(absl::Span<const float> p, absl::Span<const uint32_t> q_masses,
                                     double u);

  // Topk mode, cloud side: the k most likely tokens of p with p > 0, by
  // decreasing p (ties: lower id); k <= 0 means the whole support. If
  // `retained_mass` is not null it receives their total p (double sum): the
  // bias of topk mode is at most 1 - retained_mass.
  static std::vector<Candidate> TopK(absl::Span<const float> p, int k, double* retained_mass);

  // Topk mode, edge side (PicoSpec): samples norm(max(0, p̂ - q)) over the
  // top-K set, p̂ = the top-K p values NOT renormalised, by inverse CDF in
  // `top_k`'s order; if that residual has no mass, samples the top-K p
  // renormalised. Approximate: see the file comment for the exact bias.
  static int32_t SampleTopKResidual(absl::Span<const Candidate> top_k,
                                    absl::Span<const uint32_t> q_masses, double u);
};

}  // namespace tandem::spec

#endif  // TANDEM_COMMON_SPEC_REJECTION_SAMPLER_H_
