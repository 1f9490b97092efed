#include "cloud/verify_cost.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"

namespace tandem::cloud {
namespace {

absl::Duration Median(std::vector<absl::Duration> samples) {
  std::sort(samples.begin(), samples.end());
  const size_t n = samples.size();
  return n % 2 == 1 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

}  // namespace

absl::StatusOr<VerifyCost> FitVerifyCost(
    const std::function<absl::StatusOr<absl::Duration>(int tokens)>& time_forward, int small,
    int large, int repeats) {
  if (small < 1 || large <= small || repeats < 1) {
    return absl::InvalidArgumentError(absl::StrCat("verify cost: need 1 <= small (", small,
                                                   ") < large (", large, ") and repeats (", repeats,
                                                   ") >= 1"));
  }
  std::vector<absl::Duration> at_small, at_large;
  for (int r = 0; r < repeats; ++r) {
    TANDEM_ASSIGN_OR_RETURN(absl::Duration a, time_forward(small));
    TANDEM_ASSIGN_OR_RETURN(absl::Duration b, time_forward(large));
    at_small.push_back(a);
    at_large.push_back(b);
  }
  const absl::Duration small_cost = Median(std::move(at_small));
  const absl::Duration large_cost = Median(std::move(at_large));
  VerifyCost cost;
  cost.per_token = std::max(absl::ZeroDuration(), (large_cost - small_cost) / (large - small));
  cost.fixed = std::max(absl::ZeroDuration(), small_cost - cost.per_token * small);
  return cost;
}

absl::StatusOr<VerifyCost> MeasureVerifyCost(const model::LlamaModel& target, int large,
                                             int context, int repeats) {
  const int64_t vocab = target.config().vocab_size;
  if (vocab < 2) return absl::FailedPreconditionError("verify cost: the target has no vocabulary");
  large = std::max(large, 2);
  // A target with a short context: as much context as fits beside the chunk.
  const int64_t positions = target.config().max_position_embeddings;
  if (positions < large + 1) {
    return absl::FailedPreconditionError(absl::StrCat(
        "verify cost: the target's context (", positions, ") is shorter than a probe chunk"));
  }
  context = static_cast<int>(std::clamp<int64_t>(context, 1, positions - large));
  TANDEM_ASSIGN_OR_RETURN(std::unique_ptr<model::KvCache> cache,
                          target.NewCache(static_cast<int64_t>(context) + large));
  // Any ids will do: the cost does not depend on which tokens run.
  std::vector<int32_t> ids(static_cast<size_t>(context + large));
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int32_t>(1 + i % (vocab - 1));
  TANDEM_RETURN_IF_ERROR(
      target.Forward(absl::MakeConstSpan(ids).first(context), *cache, model::LogitRows::kLast)
          .status());
  auto time_forward = [&](int tokens) -> absl::StatusOr<absl::Duration> {
    const absl::Time start = absl::Now();
    TANDEM_RETURN_IF_ERROR(
        target.Forward(absl::MakeConstSpan(ids).subspan(context, tokens), *cache).status());
    const absl::Duration took = absl::Now() - start;
    TANDEM_RETURN_IF_ERROR(cache->Truncate(context));
    return took;
  };
  // Warm-up: the first forward of a shape pays for allocations.
  TANDEM_RETURN_IF_ERROR(time_forward(1).status());
  TANDEM_RETURN_IF_ERROR(time_forward(large).status());
  return FitVerifyCost(time_forward, 1, large, repeats);
}

}  // namespace tandem::cloud
