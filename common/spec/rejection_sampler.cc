#include "common/spec/rejection_sampler.h"

#include <algorithm>
#include <utility>

#include "common/base/logging.h"
#include "common/spec/categorical.h"

namespace tandem::spec {
namespace {

// Mass -> probability; exact, as 65536 is a power of two.
constexpr double kFixed16Scale = 1.0 / kFixed16One;

// Inverse-CDF draw over non-negative weights weight(0), ..., weight(n - 1),
// accumulated in double: the first i with u * total < weight(0) + ... +
// weight(i). Zero weights are skipped, so they are never returned. nullopt
// if the weights have no mass. `weight` is called in increasing i, twice.
template <typename Weight>
std::optional<int32_t> SampleWeights(size_t n, const Weight& weight, double u) {
  double total = 0.0;
  for (size_t i = 0; i < n; ++i) total += weight(i);
  if (!(total > 0.0)) return std::nullopt;
  const double target = u * total;
  double cumulative = 0.0;
  int32_t last_positive = -1;
  for (size_t i = 0; i < n; ++i) {
    const double w = weight(i);
    if (w <= 0.0) continue;
    cumulative += w;
    last_positive = static_cast<int32_t>(i);
    if (target < cumulative) return last_positive;
  }
  // u * total rounded to the full sum: the exact arithmetic picks the last
  // token with positive weight.
  return last_positive;
}

// max(0, p - q) at one token. Both terms are exact in double (a float, and
// an integer times 2^-16), so the residual is the same on every machine up
// to one rounding of the difference.
double ResidualAt(float p, uint32_t q_mass) {
  return std::max(0.0, static_cast<double>(p) - q_mass * kFixed16Scale);
}

// Looks up q̂'s mass at ids asked in increasing order, in O(n_support) per
// sweep over the vocabulary instead of O(n_support) per token.
class SparseMassCursor {
 public:
  explicit SparseMassCursor(const SparseDistribution& q) {
    ABSL_CHECK_EQ(q.ids.size(), q.masses.size());
    by_id_.reserve(q.ids.size());
    for (size_t j = 0; j < q.ids.size(); ++j) by_id_.emplace_back(q.ids[j], q.masses[j]);
    std::sort(by_id_.begin(), by_id_.end());
  }

  // Mass at `id`; a smaller id than the last one asked starts a new sweep.
  uint32_t MassAt(int32_t id) {
    if (id < last_id_) next_ = 0;
    last_id_ = id;
    while (next_ < by_id_.size() && by_id_[next_].first < id) ++next_;
    return next_ < by_id_.size() && by_id_[next_].first == id ? by_id_[next_].second : 0;
  }

 private:
  std::vector<std::pair<int32_t, uint32_t>> by_id_;  // [n_support] (id, mass) by id
  size_t next_ = 0;
  int32_t last_id_ = -1;
};

}  // namespace

bool RejectionSampler::Accept(double p_x, double q_x, double u) {
  ABSL_CHECK_GT(q_x, 0.0) << "the draft token had no mass under q";
  // Accept with probability min(1, p/q): for u uniform on [0, 1),
  // P(u < p/q) = min(1, p/q). Strict, so u == p/q rejects and p = 0 never
  // accepts.
  return u < p_x / q_x;
}

std::vector<Candidate> RejectionSampler::DrawCandidates(absl::Span<const float> p,
                                                        absl::Span<const double> uniforms) {
  std::vector<Candidate> candidates;
  candidates.reserve(uniforms.size());
  for (double u : uniforms) {
    const int32_t y = SampleCategorical(p, u);
    candidates.push_back({y, p[y]});
  }
  return candidates;
}

std::optional<size_t> RejectionSampler::ResolveCandidates(absl::Span<const Candidate> candidates,
                                                          absl::Span<const uint32_t> q_masses,
                                                          absl::Span<const double> uniforms) {
  ABSL_CHECK_EQ(candidates.size(), uniforms.size());
  for (size_t i = 0; i < candidates.size(); ++i) {
    const Candidate& c = candidates[i];
    ABSL_CHECK(c.id >= 0 && static_cast<size_t>(c.id) < q_masses.size())
        << "candidate id " << c.id << " outside a vocabulary of " << q_masses.size();
    // A candidate with p = 0 cannot have been drawn from p; its residual is
    // 0, so it is never accepted.
    if (!(c.p > 0.0f)) continue;
    // Rejection sampling of r ∝ max(0, p - q) with proposal p: accept y with
    // probability max(0, p(y) - q(y)) / p(y) = max(0, 1 - q(y)/p(y)).
    const double pass = std::max(0.0, 1.0 - q_masses[c.id] * kFixed16Scale / c.p);
    if (uniforms[i] < pass) return i;
  }
  return std::nullopt;
}

int32_t RejectionSampler::SampleResidual(absl::Span<const float> p, const SparseDistribution& q,
                                         double u) {
  for (int32_t id : q.ids) {
    ABSL_CHECK(id >= 0 && static_cast<size_t>(id) < p.size())
        << "draft support id " << id << " outside a vocabulary of " << p.size();
  }
  SparseMassCursor q_mass(q);
  const auto residual = [&p, &q_mass](size_t i) {
    return ResidualAt(p[i], q_mass.MassAt(static_cast<int32_t>(i)));
  };
  if (std::optional<int32_t> y = SampleWeights(p.size(), residual, u)) return *y;
  // No residual mass: p <= q̂ everywhere, so p == q̂ up to rounding and a
  // rejection could only come from that rounding; p is then the answer.
  return SampleCategorical(p, u);
}

int32_t RejectionSampler::SampleResidualDense(absl::Span<const float> p,
                                              absl::Span<const uint32_t> q_masses, double u) {
  ABSL_CHECK_EQ(p.size(), q_masses.size());
  const auto residual = [&p, &q_masses](size_t i) { return ResidualAt(p[i], q_masses[i]); };
  if (std::optional<int32_t> y = SampleWeights(p.size(), residual, u)) return *y;
  // As in SampleResidual: no residual mass means p == q̃ up to rounding.
  return SampleCategorical(p, u);
}

std::vector<Candidate> RejectionSampler::TopK(absl::Span<const float> p, int k,
                                              double* retained_mass) {
  std::vector<int32_t> support;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] > 0.0f) support.push_back(static_cast<int32_t>(i));
  }
  const size_t keep = k <= 0 ? support.size() : std::min(support.size(), static_cast<size_t>(k));
  std::partial_sort(support.begin(), support.begin() + keep, support.end(),
                    [&p](int32_t a, int32_t b) { return p[a] > p[b] || (p[a] == p[b] && a < b); });
  std::vector<Candidate> top;
  top.reserve(keep);
  double mass = 0.0;
  for (size_t j = 0; j < keep; ++j) {
    top.push_back({support[j], p[support[j]]});
    mass += p[support[j]];
  }
  if (retained_mass != nullptr) *retained_mass = mass;
  return top;
}

int32_t RejectionSampler::SampleTopKResidual(absl::Span<const Candidate> top_k,
                                             absl::Span<const uint32_t> q_masses, double u) {
  for (const Candidate& c : top_k) {
    ABSL_CHECK(c.id >= 0 && static_cast<size_t>(c.id) < q_masses.size())
        << "top-K id " << c.id << " outside a vocabulary of " << q_masses.size();
  }
  // PicoSpec: p̂ is p on the top-K set and 0 elsewhere, NOT renormalised, so
  // max(0, p̂ - q) is the true residual restricted to the set. The residual
  // mass outside the set is lost: that is the mode's bias (see the header).
  const auto residual = [&](size_t j) { return ResidualAt(top_k[j].p, q_masses[top_k[j].id]); };
  std::optional<int32_t> j = SampleWeights(top_k.size(), residual, u);
  if (!j) {
    // No residual mass on the set (q covers p̂ there): p̂ renormalised.
    j = SampleWeights(
        top_k.size(), [&](size_t i) { return double{top_k[i].p}; }, u);
  }
  ABSL_CHECK(j.has_value()) << "top-K set of " << top_k.size() << " tokens has no mass";
  return top_k[*j].id;
}

}  // namespace tandem::spec
