#include "cloud/verify_cost.h"

#include <vector>

#include "absl/strings/match.h"
#include "catch2/catch.hpp"
#include "common/base/file_util.h"
#include "common/model/llama_model.h"

namespace tandem::cloud {
namespace {

TEST_CASE("FitVerifyCost: recovers the line through the sizes' medians", "[cloud][verify_cost]") {
  // 3 ms + 0.5 ms a token, with one sample at each size disturbed by 40 ms
  // (a preempted forward): the medians ignore it.
  int calls = 0;
  std::vector<int> sizes;
  auto time_forward = [&](int tokens) -> absl::StatusOr<absl::Duration> {
    sizes.push_back(tokens);
    const absl::Duration noise = ++calls <= 2 ? absl::Milliseconds(40) : absl::ZeroDuration();
    return absl::Microseconds(3000 + 500 * tokens) + noise;
  };
  auto cost = FitVerifyCost(time_forward, 1, 9, 5);
  REQUIRE(cost.ok());
  CHECK(absl::ToDoubleMicroseconds(cost->per_token) == Approx(500));
  CHECK(absl::ToDoubleMicroseconds(cost->fixed) == Approx(3000));
  // The two sizes alternate, so a drift in the machine's speed meets both.
  REQUIRE(sizes.size() == 10);
  for (size_t i = 0; i < sizes.size(); ++i) CHECK(sizes[i] == (i % 2 == 0 ? 1 : 9));
}

TEST_CASE("FitVerifyCost: never negative", "[cloud][verify_cost]") {
  // A large chunk measured faster than a small one (noise): no slope, and
  // the fixed part is the small chunk's time.
  auto faster_when_larger = [](int tokens) -> absl::StatusOr<absl::Duration> {
    return absl::Microseconds(tokens == 1 ? 2000 : 1500);
  };
  auto cost = FitVerifyCost(faster_when_larger, 1, 8, 3);
  REQUIRE(cost.ok());
  CHECK(cost->per_token == absl::ZeroDuration());
  CHECK(cost->fixed == absl::Microseconds(2000));
}

TEST_CASE("FitVerifyCost: bad sizes and a failing forward are errors", "[cloud][verify_cost]") {
  auto ok = [](int) -> absl::StatusOr<absl::Duration> { return absl::Milliseconds(1); };
  CHECK(FitVerifyCost(ok, 0, 4, 3).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(FitVerifyCost(ok, 4, 4, 3).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(FitVerifyCost(ok, 1, 4, 0).status().code() == absl::StatusCode::kInvalidArgument);
  auto failing = [](int) -> absl::StatusOr<absl::Duration> {
    return absl::ResourceExhaustedError("out of memory");
  };
  CHECK(FitVerifyCost(failing, 1, 4, 3).status().code() == absl::StatusCode::kResourceExhausted);
}

TEST_CASE("MeasureVerifyCost: times the bundled target's forwards", "[cloud][verify_cost]") {
  model::LlamaModelOptions options;
  options.model_dir = base::JoinPath(TANDEM_SOURCE_DIR, "deploy/models/tandem-target");
  auto target = model::LlamaModel::Load(options);
  REQUIRE(target.ok());
  auto cost = MeasureVerifyCost(**target, /*large=*/9);
  INFO(cost.status().message());
  REQUIRE(cost.ok());
  // A forward takes time; the line's parts are each non-negative.
  CHECK(cost->fixed + cost->per_token > absl::ZeroDuration());
  CHECK(cost->fixed >= absl::ZeroDuration());
  CHECK(cost->per_token >= absl::ZeroDuration());
}

TEST_CASE("MeasureVerifyCost: fits its probe in the target's context, or says it cannot",
          "[cloud][verify_cost]") {
  model::LlamaModelOptions options;
  options.model_dir = base::JoinPath(TANDEM_SOURCE_DIR, "deploy/models/tandem-target");
  auto target = model::LlamaModel::Load(options);
  REQUIRE(target.ok());
  const int64_t positions = (*target)->config().max_position_embeddings;
  // A chunk that leaves room for only a few context tokens: the context shrinks.
  auto tight = MeasureVerifyCost(**target, static_cast<int>(positions) - 4, /*context=*/32,
                                 /*repeats=*/1);
  INFO(tight.status().message());
  CHECK(tight.ok());
  // A chunk longer than the context: a clear error, not a crash.
  auto too_long = MeasureVerifyCost(**target, static_cast<int>(positions) + 1);
  CHECK(too_long.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(absl::StrContains(too_long.status().message(), "context"));
}

}  // namespace
}  // namespace tandem::cloud
