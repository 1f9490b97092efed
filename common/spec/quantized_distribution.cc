#include "common/spec/quantized_distribution.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "common/base/logging.h"

namespace tandem::spec {
namespace {

struct Remainder {
  double fraction;  // x - floor(x) of the token's scaled probability
  int32_t id;
};

}  // namespace

std::vector<uint32_t> QuantizeFixed16(absl::Span<const float> probs) {
  double total = 0.0;
  for (float p : probs) {
    ABSL_CHECK(std::isfinite(p) && p >= 0.0f) << "probability " << p;
    total += p;
  }
  ABSL_CHECK_GT(total, 0.0);
  // Renormalising first makes the scaled values sum to 65536 up to double
  // rounding, so the units left after flooring number fewer than the tokens
  // with a positive remainder: each gets at most one extra unit.
  const double scale = static_cast<double>(kFixed16One) / total;
  std::vector<uint32_t> masses(probs.size(), 0);
  std::vector<Remainder> remainders;
  int64_t assigned = 0;
  for (size_t i = 0; i < probs.size(); ++i) {
    if (probs[i] <= 0.0f) continue;  // probability 0 stays exactly 0
    const double x = std::min(probs[i] * scale, static_cast<double>(kFixed16One));
    const double whole = std::floor(x);
    masses[i] = static_cast<uint32_t>(whole);
    assigned += masses[i];
    remainders.push_back({x - whole, static_cast<int32_t>(i)});
  }
  const int64_t missing = int64_t{kFixed16One} - assigned;
  ABSL_CHECK(missing >= 0 && missing <= static_cast<int64_t>(remainders.size()))
      << "largest-remainder rounding left " << missing << " units for " << remainders.size()
      << " tokens";
  // Largest remainder first, then lower id: a strict total order, so the
  // result does not depend on the selection algorithm.
  const auto before = [](const Remainder& a, const Remainder& b) {
    return a.fraction > b.fraction || (a.fraction == b.fraction && a.id < b.id);
  };
  std::nth_element(remainders.begin(), remainders.begin() + missing, remainders.end(), before);
  for (int64_t j = 0; j < missing; ++j) ++masses[remainders[j].id];
  return masses;
}

int32_t SampleFixed16(absl::Span<const uint32_t> masses, double u) {
  ABSL_CHECK(u >= 0.0 && u < 1.0) << "uniform " << u;
  uint64_t total = 0;
  for (uint32_t m : masses) total += m;
  ABSL_CHECK_EQ(total, uint64_t{kFixed16One});
  // u * 65536 is exact in double (a power of two), so r is uniform on
  // {0, ..., 65535} and id i owns exactly masses[i] of those values.
  const uint64_t r = static_cast<uint64_t>(u * kFixed16One);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < masses.size(); ++i) {
    cumulative += masses[i];
    if (r < cumulative) return static_cast<int32_t>(i);
  }
  ABSL_LOG(FATAL) << "unreachable: r=" << r << " past a total of 65536";
  return -1;
}

uint32_t SparseDistribution::MassOf(int32_t id) const {
  for (size_t j = 0; j < ids.size(); ++j) {
    if (ids[j] == id) return masses[j];
  }
  return 0;
}

SparseDistribution SparsifyFixed16(absl::Span<const float> probs, int top_k) {
  std::vector<int32_t> support;
  for (size_t i = 0; i < probs.size(); ++i) {
    if (probs[i] > 0.0f) support.push_back(static_cast<int32_t>(i));
  }
  ABSL_CHECK(!support.empty()) << "distribution has no positive probability";
  const size_t keep =
      top_k <= 0 ? support.size() : std::min(support.size(), static_cast<size_t>(top_k));
  const auto more_likely = [&probs](int32_t a, int32_t b) {
    return probs[a] > probs[b] || (probs[a] == probs[b] && a < b);
  };
  std::partial_sort(support.begin(), support.begin() + keep, support.end(), more_likely);
  support.resize(keep);

  std::vector<float> kept(keep);  // [keep]
  for (size_t j = 0; j < keep; ++j) kept[j] = probs[support[j]];
  // QuantizeFixed16 renormalises over the kept support.
  const std::vector<uint32_t> kept_masses = QuantizeFixed16(kept);

  std::vector<std::pair<uint32_t, int32_t>> entries;  // (mass, id), mass > 0
  for (size_t j = 0; j < keep; ++j) {
    if (kept_masses[j] > 0) entries.emplace_back(kept_masses[j], support[j]);
  }
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  SparseDistribution q;
  q.ids.reserve(entries.size());
  q.masses.reserve(entries.size());
  for (const auto& [mass, id] : entries) {
    q.ids.push_back(id);
    q.masses.push_back(mass);
  }
  return q;
}

int32_t SampleSparse(const SparseDistribution& q, double u) {
  ABSL_CHECK_EQ(q.ids.size(), q.masses.size());
  return q.ids[SampleFixed16(q.masses, u)];
}

}  // namespace tandem::spec
