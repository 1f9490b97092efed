#include <catch2/catch.hpp>
#include <cmath>

#include "edge/speculative_client.h"

namespace tandem::edge {
namespace {

TEST_CASE("SpeculativeOptions: the branch queue target follows adaptive unless set",
          "[edge][options]") {
  SpeculativeOptions options;
  options.adaptive = true;
  CHECK(options.BranchQueueTarget() == SpeculativeOptions::kAdaptiveBranchQueueTarget);
  options.adaptive = false;  // fixed settings speculate as told
  CHECK(options.BranchQueueTarget() == absl::InfiniteDuration());
  options.branch_queue_target = absl::Milliseconds(25);
  CHECK(options.BranchQueueTarget() == absl::Milliseconds(25));
  options.adaptive = true;
  options.branch_queue_target = absl::InfiniteDuration();
  CHECK(options.BranchQueueTarget() == absl::InfiniteDuration());
}

TEST_CASE("SpeculativeOptions: bad branch gating settings name the flag", "[edge][options]") {
  SpeculativeOptions options;
  REQUIRE(options.Validate().ok());
  options.branch_queue_target = absl::Milliseconds(-1);
  CHECK_THAT(std::string(options.Validate().message()),
             Catch::Matchers::Contains("--branch-queue-target"));
  options.branch_queue_target.reset();
  options.branches_before_uplink_measured = -2;
  CHECK_THAT(std::string(options.Validate().message()),
             Catch::Matchers::Contains("--branches-before-uplink-measured"));
  options.branches_before_uplink_measured = 0;
  CHECK(options.Validate().ok());
  options.assumed_uplink_kbps = -1;
  CHECK_THAT(std::string(options.Validate().message()),
             Catch::Matchers::Contains("--assumed-uplink-kbps"));
  options.assumed_uplink_kbps = std::nan("");
  CHECK_THAT(std::string(options.Validate().message()),
             Catch::Matchers::Contains("--assumed-uplink-kbps"));
  options.assumed_uplink_kbps = 0;
  CHECK(options.Validate().ok());
}

}  // namespace
}  // namespace tandem::edge
