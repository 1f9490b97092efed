// Statistical fidelity of the three verification modes (design §4): the
// whole per-position protocol is simulated with CounterRng uniforms (fixed
// seeds, so every run sees the same draws) and the output frequencies are
// compared with what the math promises.
//
// - exact and sparse-draft are lossless: the output must be p. Checked by a
//   chi-square goodness-of-fit test at a p-value threshold of kAlpha = 1e-4
//   (df = bins - 1 after pooling bins with an expected count below 5; the
//   critical value is printed with each result). Tokens with p = 0 must
//   never come out at all.
// - topk (PicoSpec) is approximate. Its output o is computed analytically
//   (see rejection_sampler.h):
//     o(y) = min(p, q)(y) + beta * 1[y in T] max(0, p - q)(y) / R_T,
//   beta = sum max(0, q - p) the rejection probability, T the top-K set,
//   R_T = sum_{y in T} max(0, p - q). Tokens outside T lose exactly their
//   residual max(0, p - q)(y) and T gains the same total, so
//     TV(o, p) = R_out = sum_{y not in T} max(0, p(y) - q(y)):
//   "the topk mode's measured bias equals the residual mass outside the
//   top-K", which is at most the p mass outside the top-K (1 - retained
//   mass) and 0 when p has <= K support. The test checks the measured
//   distribution against o (chi-square), that the analytic TV equals R_out,
//   and that the measured TV from p is within sampling tolerance of R_out.
// - In every mode the acceptance rate must be sum_x min(p(x), q(x)) for the
//   q actually sampled from (q̃ or q̂), within 5 standard deviations.
//
// A negative control shows the chi-square test rejects a broken residual.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "common/spec/counter_rng.h"
#include "common/spec/logits_warper.h"
#include "common/spec/quantized_distribution.h"
#include "common/spec/rejection_sampler.h"
#include "common/spec/sampling_params.h"

namespace tandem::spec {
namespace {

constexpr int64_t kDraws = 120000;      // per p/q pair and mode
constexpr double kAlpha = 1e-4;         // chi-square p-value threshold
constexpr double kMinExpected = 5.0;    // pool bins expected below this
constexpr int kCandidatesPerBatch = 4;  // m in design §4
// Safety net for exact mode's candidate loop. A batch passes with
// probability 1 - (1 - R)^m, R = sum max(0, p - q̃); the pairs below have
// R >= 0.05 except the identical pair, whose R is ~1e-5 (a rejection there
// comes only from quantization) and needs ~1/(4R) batches when it happens.
constexpr int64_t kMaxBatches = 1000000;

// One p/q pair over a small vocabulary.
struct Pair {
  std::string name;
  std::vector<float> p;  // [vocab] target, warped
  std::vector<float> q;  // [vocab] draft, warped
  int sparse_k;          // sparse-draft top-k (< vocab to exercise truncation)
  int top_k;             // topk mode's K
};

std::vector<float> RandomWarped(uint64_t seed, int vocab, const SamplingParams& params) {
  const CounterRng rng(seed);
  std::vector<float> logits(vocab);  // [vocab]
  for (int i = 0; i < vocab; ++i) {
    logits[i] = static_cast<float>(4.0 * rng.Uniform(i, RngPurpose::kTargetSample));
  }
  return WarpLogits(logits, params);
}

std::vector<Pair> Pairs() {
  SamplingParams plain;
  plain.temperature = 1.0;
  SamplingParams top4 = plain;
  top4.top_k = 4;
  return {
      {"random", RandomWarped(101, 8, plain), RandomWarped(202, 8, plain), 3, 3},
      // Warped with top-k 4 on both sides: partly overlapping supports, and
      // p has 4 <= K tokens, so topk mode is unbiased here.
      {"random top-k 4 warped", RandomWarped(303, 10, top4), RandomWarped(404, 10, top4), 2, 4},
      // q has no mass where p has mass and vice versa: nothing is ever
      // accepted, every token comes from the residual, which is p itself.
      {"disjoint supports", {0.5f, 0.3f, 0.2f, 0, 0, 0}, {0, 0, 0, 0.6f, 0.3f, 0.1f}, 2, 2},
      // K = 1: the residual outside T = {0} is max(0, .3 - .1) = .2 at id 1.
      {"partial overlap", {0.4f, 0.3f, 0.2f, 0.1f, 0, 0}, {0, 0.1f, 0.2f, 0.3f, 0.4f, 0}, 3, 1},
      // K = 2 < support 5, yet unbiased: outside T, p < q everywhere.
      {"peaked p",
       {0.999f, 0.0004f, 0.0003f, 0.0002f, 0.0001f},
       {0.2f, 0.2f, 0.2f, 0.2f, 0.2f},
       3,
       2},
      {"peaked q",
       {0.2f, 0.3f, 0.1f, 0.25f, 0.15f},
       {0.999f, 0.0004f, 0.0003f, 0.0002f, 0.0001f},
       2,
       2},
      // p == q before quantization: acceptance ~1, rejections only through
      // the 2^-16 rounding of q̃.
      {"identical", {0.05f, 0.15f, 0.2f, 0.25f, 0.35f}, {0.05f, 0.15f, 0.2f, 0.25f, 0.35f}, 3, 3},
  };
}

std::vector<double> Normalized(const std::vector<float>& p) {
  double total = 0.0;
  for (float x : p) total += x;
  std::vector<double> out(p.size());
  for (size_t i = 0; i < p.size(); ++i) out[i] = p[i] / total;
  return out;
}

std::vector<double> MassesToProbs(const std::vector<uint32_t>& masses) {
  std::vector<double> out(masses.size());
  for (size_t i = 0; i < masses.size(); ++i) out[i] = masses[i] / double{kFixed16One};
  return out;
}

std::vector<double> SparseToProbs(const SparseDistribution& q, size_t vocab) {
  std::vector<double> out(vocab, 0.0);
  for (size_t j = 0; j < q.ids.size(); ++j) out[q.ids[j]] = q.masses[j] / double{kFixed16One};
  return out;
}

double SumMin(const std::vector<double>& p, const std::vector<double>& q) {
  double total = 0.0;
  for (size_t i = 0; i < p.size(); ++i) total += std::min(p[i], q[i]);
  return total;
}

// ---- chi-square ---------------------------------------------------------

// Regularized upper incomplete gamma Q(a, x) = Gamma(a, x) / Gamma(a), by
// the series for P below a + 1 and Lentz's continued fraction above
// (Numerical Recipes, 3rd ed., §6.2). The chi-square survival function is
// Q(df / 2, x / 2).
double GammaQ(double a, double x) {
  if (x <= 0.0) return 1.0;
  const double log_prefactor = -x + a * std::log(x) - std::lgamma(a);
  constexpr double kEps = 1e-15;
  if (x < a + 1.0) {
    double term = 1.0 / a, sum = term, ap = a;
    for (int n = 0; n < 10000 && std::abs(term) > std::abs(sum) * kEps; ++n) {
      ap += 1.0;
      term *= x / ap;
      sum += term;
    }
    return 1.0 - sum * std::exp(log_prefactor);
  }
  constexpr double kTiny = 1e-300;
  double b = x + 1.0 - a, c = 1.0 / kTiny, d = 1.0 / b, h = d;
  for (int i = 1; i < 10000; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (std::abs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::abs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::abs(delta - 1.0) < kEps) break;
  }
  return std::exp(log_prefactor) * h;
}

double ChiSquarePValue(double statistic, int df) { return GammaQ(df / 2.0, statistic / 2.0); }

// The x with ChiSquarePValue(x, df) = alpha, by bisection.
double ChiSquareCritical(int df, double alpha) {
  double lo = 0.0, hi = 10.0 * df + 200.0;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    (ChiSquarePValue(mid, df) > alpha ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

struct GoodnessOfFit {
  double statistic = 0.0;
  int df = 0;
  double p_value = 1.0;
  double critical = 0.0;
  int64_t impossible = 0;  // draws of tokens with expected probability 0

  std::string Describe() const {
    return "chi2 = " + std::to_string(statistic) + ", df = " + std::to_string(df) +
           ", p-value = " + std::to_string(p_value) + ", critical(" + std::to_string(kAlpha) +
           ") = " + std::to_string(critical) + ", impossible draws = " + std::to_string(impossible);
  }
};

// Pearson's chi-square of `counts` against `probs` (summing to ~1). Bins
// expected below kMinExpected are pooled into one bin; a pool still below
// it joins the smallest remaining bin. Zero-probability bins are not bins:
// any count there is reported as impossible.
GoodnessOfFit ChiSquareTest(const std::vector<int64_t>& counts, const std::vector<double>& probs) {
  int64_t n = 0;
  for (int64_t c : counts) n += c;
  std::vector<std::pair<double, int64_t>> bins;  // (expected, observed)
  std::pair<double, int64_t> pool = {0.0, 0};
  GoodnessOfFit fit;
  for (size_t i = 0; i < counts.size(); ++i) {
    const double expected = probs[i] * n;
    if (probs[i] <= 0.0) {
      fit.impossible += counts[i];
    } else if (expected < kMinExpected) {
      pool.first += expected;
      pool.second += counts[i];
    } else {
      bins.emplace_back(expected, counts[i]);
    }
  }
  if (pool.first > 0.0) {
    if (pool.first >= kMinExpected || bins.empty()) {
      bins.push_back(pool);
    } else {
      auto smallest = std::min_element(bins.begin(), bins.end());
      smallest->first += pool.first;
      smallest->second += pool.second;
    }
  }
  for (const auto& [expected, observed] : bins) {
    fit.statistic += (observed - expected) * (observed - expected) / expected;
  }
  fit.df = static_cast<int>(bins.size()) - 1;
  if (fit.df > 0) {
    fit.p_value = ChiSquarePValue(fit.statistic, fit.df);
    fit.critical = ChiSquareCritical(fit.df, kAlpha);
  }
  return fit;
}

// ---- protocol simulation -------------------------------------------------

struct Run {
  std::vector<int64_t> counts;  // [vocab] output token frequencies
  int64_t n_accepted = 0;       // drafts accepted by the accept test
  int64_t n_rejected = 0;
  int64_t n_batches = 0;    // candidate batches (exact mode)
  int64_t max_batches = 0;  // most batches at one position
  int64_t n_dense_fallbacks = 0;

  double AcceptRate() const { return n_accepted / double{kDraws}; }
};

// Exact mode: x ~ q̃ on the edge; the cloud accepts x if u < p(x)/q̃(x); on
// rejection it sends batches of m candidates y ~ p until the edge accepts
// one with probability max(0, 1 - q̃(y)/p(y)). After `max_batches` failed
// batches the edge fetches the dense p and samples the residual directly.
Run SimulateExact(const Pair& pair, uint64_t seed, int64_t max_batches) {
  const CounterRng rng(seed);
  const std::vector<uint32_t> q = QuantizeFixed16(pair.q);
  Run run;
  run.counts.assign(pair.p.size(), 0);
  std::vector<double> draw_u(kCandidatesPerBatch), accept_u(kCandidatesPerBatch);
  for (int64_t n = 0; n < kDraws; ++n) {
    const int32_t x = SampleFixed16(q, rng.Uniform(n, RngPurpose::kDraftSample));
    if (RejectionSampler::Accept(pair.p[x], q[x] / double{kFixed16One},
                                 rng.Uniform(n, RngPurpose::kAcceptTest))) {
      ++run.n_accepted;
      ++run.counts[x];
      continue;
    }
    ++run.n_rejected;
    std::optional<int32_t> y;
    int64_t batch = 0;
    for (; !y && batch < max_batches; ++batch) {
      for (int i = 0; i < kCandidatesPerBatch; ++i) {
        const uint32_t draw = static_cast<uint32_t>(batch * kCandidatesPerBatch + i);
        draw_u[i] = rng.Uniform(n, RngPurpose::kResidualSample, draw);
        accept_u[i] = rng.Uniform(n, RngPurpose::kResidualAccept, draw);
      }
      const std::vector<Candidate> candidates = RejectionSampler::DrawCandidates(pair.p, draw_u);
      if (auto i = RejectionSampler::ResolveCandidates(candidates, q, accept_u)) {
        y = candidates[*i].id;
      }
    }
    run.n_batches += batch;
    run.max_batches = std::max(run.max_batches, batch);
    if (!y) {
      ++run.n_dense_fallbacks;
      y = RejectionSampler::SampleResidualDense(pair.p, q,
                                                rng.Uniform(n, RngPurpose::kResidualDirect));
    }
    ++run.counts[*y];
  }
  return run;
}

// Sparse-draft mode: x ~ q̂ = SparsifyFixed16(q, k); the cloud holds q̂ and
// samples the residual itself on rejection.
Run SimulateSparse(const Pair& pair, int k, uint64_t seed) {
  const CounterRng rng(seed);
  const SparseDistribution q = SparsifyFixed16(pair.q, k);
  Run run;
  run.counts.assign(pair.p.size(), 0);
  for (int64_t n = 0; n < kDraws; ++n) {
    const int32_t x = SampleSparse(q, rng.Uniform(n, RngPurpose::kDraftSample));
    if (RejectionSampler::Accept(pair.p[x], q.MassOf(x) / double{kFixed16One},
                                 rng.Uniform(n, RngPurpose::kAcceptTest))) {
      ++run.n_accepted;
      ++run.counts[x];
      continue;
    }
    ++run.n_rejected;
    ++run.counts[RejectionSampler::SampleResidual(pair.p, q,
                                                  rng.Uniform(n, RngPurpose::kResidualDirect))];
  }
  return run;
}

// Topk mode: x ~ q̃; on rejection the cloud sends TopK(p, K) and the edge
// samples norm(max(0, p̂ - q̃)) over it.
Run SimulateTopK(const Pair& pair, uint64_t seed) {
  const CounterRng rng(seed);
  const std::vector<uint32_t> q = QuantizeFixed16(pair.q);
  Run run;
  run.counts.assign(pair.p.size(), 0);
  for (int64_t n = 0; n < kDraws; ++n) {
    const int32_t x = SampleFixed16(q, rng.Uniform(n, RngPurpose::kDraftSample));
    if (RejectionSampler::Accept(pair.p[x], q[x] / double{kFixed16One},
                                 rng.Uniform(n, RngPurpose::kAcceptTest))) {
      ++run.n_accepted;
      ++run.counts[x];
      continue;
    }
    ++run.n_rejected;
    const std::vector<Candidate> top = RejectionSampler::TopK(pair.p, pair.top_k, nullptr);
    ++run.counts[RejectionSampler::SampleTopKResidual(top, q,
                                                      rng.Uniform(n, RngPurpose::kResidualDirect))];
  }
  return run;
}

// The acceptance rate is Bernoulli(sum min(p, q)) per draw: 5 standard
// deviations, plus 1e-6 for float rounding in p.
void CheckAcceptRate(const Run& run, double expected) {
  const double sd = std::sqrt(expected * (1.0 - expected) / kDraws);
  INFO("acceptance: measured " << run.AcceptRate() << ", analytic sum min(p, q) " << expected
                               << ", tolerance " << 5 * sd + 1e-6);
  CHECK(std::abs(run.AcceptRate() - expected) <= 5 * sd + 1e-6);
}

void CheckFits(const Run& run, const std::vector<double>& probs) {
  const GoodnessOfFit fit = ChiSquareTest(run.counts, probs);
  INFO(fit.Describe());
  CHECK(fit.impossible == 0);
  CHECK(fit.p_value > kAlpha);
}

TEST_CASE("Fidelity: the chi-square helper reproduces table critical values", "[spec][fidelity]") {
  // Tables: chi2(df=1) at 1e-4: 15.137; df=7 at 1e-4: 29.878; df=10 at
  // 0.05: 18.307.
  CHECK(ChiSquareCritical(1, 1e-4) == Approx(15.137).margin(0.005));
  CHECK(ChiSquareCritical(7, 1e-4) == Approx(29.878).margin(0.005));
  CHECK(ChiSquareCritical(10, 0.05) == Approx(18.307).margin(0.005));
  CHECK(ChiSquarePValue(29.878, 7) == Approx(1e-4).epsilon(0.01));
}

TEST_CASE("Fidelity: exact mode (candidates from p, resolved on the edge) samples p",
          "[spec][fidelity]") {
  uint64_t seed = 1000;
  for (const Pair& pair : Pairs()) {
    INFO("pair: " << pair.name);
    const Run run = SimulateExact(pair, ++seed, kMaxBatches);
    INFO("rejections " << run.n_rejected << ", candidate batches " << run.n_batches << " (max "
                       << run.max_batches << " at one position)");
    CHECK(run.n_dense_fallbacks == 0);
    CheckAcceptRate(run, SumMin(Normalized(pair.p), MassesToProbs(QuantizeFixed16(pair.q))));
    CheckFits(run, Normalized(pair.p));
  }
}

TEST_CASE(
    "Fidelity: exact mode falling back to the dense p after one batch samples "
    "p",
    "[spec][fidelity]") {
  uint64_t seed = 2000;
  for (const Pair& pair : Pairs()) {
    INFO("pair: " << pair.name);
    const Run run = SimulateExact(pair, ++seed, 1);
    INFO("rejections " << run.n_rejected << ", dense fallbacks " << run.n_dense_fallbacks);
    CheckAcceptRate(run, SumMin(Normalized(pair.p), MassesToProbs(QuantizeFixed16(pair.q))));
    CheckFits(run, Normalized(pair.p));
  }
}

TEST_CASE("Fidelity: sparse-draft mode samples p for a truncated and a full q̂",
          "[spec][fidelity]") {
  uint64_t seed = 3000;
  for (const Pair& pair : Pairs()) {
    for (int k : {pair.sparse_k, 0}) {
      INFO("pair: " << pair.name << ", sparse k = " << k);
      const Run run = SimulateSparse(pair, k, ++seed);
      const std::vector<double> q_hat = SparseToProbs(SparsifyFixed16(pair.q, k), pair.q.size());
      CheckAcceptRate(run, SumMin(Normalized(pair.p), q_hat));
      CheckFits(run, Normalized(pair.p));
    }
  }
}

// The output distribution of PicoSpec's topk scheme with draft q̃ (see the
// file comment), and R_out, the residual mass outside the top-K set.
struct TopKAnalysis {
  std::vector<double> output;  // [vocab]
  double residual_outside = 0.0;
  double retained_mass = 0.0;
};

TopKAnalysis AnalyzeTopK(const Pair& pair) {
  const std::vector<double> p = Normalized(pair.p);
  const std::vector<double> q = MassesToProbs(QuantizeFixed16(pair.q));
  TopKAnalysis a;
  std::vector<bool> in_top(p.size(), false);
  for (const Candidate& c : RejectionSampler::TopK(pair.p, pair.top_k, &a.retained_mass)) {
    in_top[c.id] = true;
  }
  double beta = 0.0, residual_top = 0.0, p_top = 0.0;
  for (size_t y = 0; y < p.size(); ++y) {
    beta += std::max(0.0, q[y] - p[y]);
    const double residual = std::max(0.0, p[y] - q[y]);
    (in_top[y] ? residual_top : a.residual_outside) += residual;
    if (in_top[y]) p_top += p[y];
  }
  a.output.assign(p.size(), 0.0);
  for (size_t y = 0; y < p.size(); ++y) {
    a.output[y] = std::min(p[y], q[y]);
    if (!in_top[y]) continue;
    a.output[y] +=
        residual_top > 0.0 ? beta * std::max(0.0, p[y] - q[y]) / residual_top : beta * p[y] / p_top;
  }
  return a;
}

double TotalVariation(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0.0;
  for (size_t i = 0; i < a.size(); ++i) sum += std::abs(a[i] - b[i]);
  return sum / 2;
}

TEST_CASE(
    "Fidelity: topk mode matches its analytic output; its bias is the residual "
    "mass outside the top-K",
    "[spec][fidelity]") {
  uint64_t seed = 4000;
  for (const Pair& pair : Pairs()) {
    INFO("pair: " << pair.name << ", K = " << pair.top_k);
    const TopKAnalysis analysis = AnalyzeTopK(pair);
    const std::vector<double> p = Normalized(pair.p);
    const double analytic_tv = TotalVariation(analysis.output, p);
    // The algebra: TV(o, p) = R_out exactly (up to double rounding), and
    // R_out <= 1 - retained mass.
    CHECK(analytic_tv == Approx(analysis.residual_outside).margin(1e-9));
    CHECK(analysis.residual_outside <= 1.0 - analysis.retained_mass + 1e-7);
    if (std::count_if(p.begin(), p.end(), [](double x) { return x > 0; }) <= pair.top_k) {
      CHECK(analysis.residual_outside == 0.0);
    }

    const Run run = SimulateTopK(pair, ++seed);
    CheckAcceptRate(run, SumMin(p, MassesToProbs(QuantizeFixed16(pair.q))));
    CheckFits(run, analysis.output);

    // Measured TV from p vs R_out: |TV(ô, p) - TV(o, p)| <= TV(ô, o) <=
    // (1/2) sum_y |ô(y) - o(y)|; with each |ô(y) - o(y)| under 4 of its
    // standard deviations sqrt(o(1 - o)/N) (normal tail 6e-5 per token,
    // union bound), the tolerance is (1/2) sum_y 4 sd(y).
    std::vector<double> measured(p.size());
    double tolerance = 0.0;
    for (size_t y = 0; y < p.size(); ++y) {
      measured[y] = run.counts[y] / double{kDraws};
      const double o = analysis.output[y];
      tolerance += 0.5 * 4.0 * std::sqrt(o * (1.0 - o) / kDraws);
    }
    const double measured_tv = TotalVariation(measured, p);
    INFO("topk bias: measured TV " << measured_tv << ", analytic R_out "
                                   << analysis.residual_outside << ", tolerance " << tolerance
                                   << ", retained mass " << analysis.retained_mass);
    CHECK(std::abs(measured_tv - analysis.residual_outside) <= tolerance);
  }
}

TEST_CASE("Fidelity: the chi-square test rejects a residual drawn from p instead",
          "[spec][fidelity]") {
  // Negative control: on rejection sample p itself, not norm(max(0, p - q̃)).
  // The output is then min(p, q̃) + beta * p, not p; for the "random" pair
  // this is far outside the kAlpha acceptance region.
  const Pair pair = Pairs()[0];
  const CounterRng rng(5000);
  const std::vector<uint32_t> q = QuantizeFixed16(pair.q);
  std::vector<int64_t> counts(pair.p.size(), 0);
  for (int64_t n = 0; n < kDraws; ++n) {
    const int32_t x = SampleFixed16(q, rng.Uniform(n, RngPurpose::kDraftSample));
    if (RejectionSampler::Accept(pair.p[x], q[x] / double{kFixed16One},
                                 rng.Uniform(n, RngPurpose::kAcceptTest))) {
      ++counts[x];
    } else {
      const std::vector<Candidate> c = RejectionSampler::DrawCandidates(
          pair.p, std::vector<double>{rng.Uniform(n, RngPurpose::kResidualSample)});
      ++counts[c[0].id];
    }
  }
  const GoodnessOfFit fit = ChiSquareTest(counts, Normalized(pair.p));
  INFO(fit.Describe());
  CHECK(fit.p_value < kAlpha);
}

}  // namespace
}  // namespace tandem::spec
