#ifndef TANDEM_COMMON_SPEC_QUANTIZED_DISTRIBUTION_H_
#define TANDEM_COMMON_SPEC_QUANTIZED_DISTRIBUTION_H_

// Draft distributions on a fixed 2^-16 grid.
//
// Speculative sampling (Leviathan et al. 2023, "Fast Inference from
// Transformers via Speculative Decoding"; Chen et al. 2023, "Accelerating
// Large Language Model Decoding with Speculative Sampling") is exact for ANY
// proposal distribution q, provided the q that the draft token was actually
// sampled from is the very q used in the accept test u < p(x)/q(x) and in the
// residual norm(max(0, p - q)). The edge and the cloud hold q in different
// places (and the wire carries it quantized), so the edge samples its draft
// from a quantized q̃ whose values are integers out of 65536: both sides then
// use bit-identical numbers, and losslessness does not depend on float
// rounding agreeing across machines or on how the wire encodes q. This is the
// quantize-then-sample order of QS-SD (Zhang et al. 2025, "Quantize-Sample-
// and-Verify", arXiv:2507.00605).
//
// SparsifyFixed16 gives the q̂ of sparse-draft mode (QS-SD with the top-K
// sparsification of SQS-SD, Bhattacharjee et al. 2025, arXiv:2510.09942: the
// draft is sampled from a top-k, quantized q̂ that is uploaded whole, so the
// cloud can run all of rejection sampling itself). Still exact, for the same
// reason.
//
// All functions are pure and thread-compatible; randomness is passed in as
// uniforms u in [0, 1).

#include <cstdint>
#include <vector>

#include "absl/types/span.h"

namespace tandem::spec {

// Masses are integers out of kFixed16One; a mass m stands for m / 65536.
inline constexpr uint32_t kFixed16One = 1u << 16;

// Integer masses on the 2^-16 grid summing EXACTLY to 65536, by
// largest-remainder rounding of probs[i] / sum(probs) * 65536: every token
// gets the floor, and the units still missing go one each to the largest
// remainders (ties: lower id first). `probs` is dense ([vocab]),
// non-negative, with a positive sum (~1, e.g. from WarpLogits; it is
// renormalised in double). Tokens with probability 0 get 0; a token with a
// tiny positive probability may get 0 (it is then never proposed, which keeps
// speculative sampling exact). Deterministic. Returns [vocab].
std::vector<uint32_t> QuantizeFixed16(absl::Span<const float> probs);

// Exact inverse-CDF draw from integer masses ([vocab], summing to 65536):
// r = floor(u * 65536), the first i with r < masses[0] + ... + masses[i].
// Each id i comes out for exactly masses[i] of the 65536 values of r, so the
// draw is exactly masses / 65536. Never returns a zero-mass id. u in [0, 1).
int32_t SampleFixed16(absl::Span<const uint32_t> masses, double u);

// A sparse quantized distribution: the q̂ of sparse-draft mode.
struct SparseDistribution {
  std::vector<int32_t> ids;      // [n_support] by decreasing mass, ties lower id
  std::vector<uint32_t> masses;  // [n_support] each > 0, sum exactly 65536

  // masses[j] where ids[j] == id; 0 if `id` is not in the support.
  // O(n_support).
  uint32_t MassOf(int32_t id) const;
};

// The top_k most likely tokens of `probs` ([vocab], as for QuantizeFixed16;
// ties at the cut keep the lower id), renormalised over that support and
// quantized there with QuantizeFixed16; entries that round to zero mass are
// dropped. top_k <= 0 means the whole support of `probs`.
SparseDistribution SparsifyFixed16(absl::Span<const float> probs, int top_k);

// Inverse-CDF draw from `q` with r = floor(u * 65536) over q.ids in their
// stored order; exactly q.masses / 65536. u in [0, 1).
int32_t SampleSparse(const SparseDistribution& q, double u);

}  // namespace tandem::spec

#endif  // TANDEM_COMMON_SPEC_QUANTIZED_DISTRIBUTION_H_
