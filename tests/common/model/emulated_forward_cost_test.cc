// EmulatedForwardCost: the --emulate-forward syntax and the padding
// arithmetic (pure functions; nothing here sleeps).

#include "common/model/emulated_forward_cost.h"

#include "catch2/catch.hpp"

namespace tandem::model {
namespace {

TEST_CASE("emulated forward cost: the flag parses FIXED and FIXED+PER_TOKEN/token",
          "[emulated_cost]") {
  auto off = EmulatedForwardCost::Parse("");
  REQUIRE(off.ok());
  CHECK_FALSE(off->enabled());
  CHECK(EmulatedForwardCost::Parse("0")->enabled() == false);

  auto fixed = EmulatedForwardCost::Parse("10ms");
  REQUIRE(fixed.ok());
  CHECK(fixed->fixed == absl::Milliseconds(10));
  CHECK(fixed->per_token == absl::ZeroDuration());
  CHECK(fixed->ToString() == "10ms");

  auto both = EmulatedForwardCost::Parse("100ms+0.5ms/token");
  REQUIRE(both.ok());
  CHECK(both->fixed == absl::Milliseconds(100));
  CHECK(both->per_token == absl::Microseconds(500));
  CHECK(both->For(8) == absl::Milliseconds(104));
  CHECK(both->ToString() == "100ms+500us/token");
  CHECK(EmulatedForwardCost::Parse(both->ToString())->For(8) == both->For(8));
}

TEST_CASE("emulated forward cost: the flag rejects malformed costs, naming the form",
          "[emulated_cost]") {
  for (const char* bad :
       {"100", "fast", "100ms+0.5ms", "1ms+2ms/token+3ms/token", "-5ms", "11s", "1ms+2s/token"}) {
    INFO(bad);
    auto cost = EmulatedForwardCost::Parse(bad);
    REQUIRE_FALSE(cost.ok());
    CHECK(cost.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(cost.status().message()).find("FIXED+PER_TOKEN/token") != std::string::npos);
  }
}

TEST_CASE("padding tops a forward up to the cost and never shortens it", "[emulated_cost]") {
  EmulatedForwardCost cost{absl::Milliseconds(20), absl::Milliseconds(1)};
  CHECK(cost.PaddingAfter(absl::Milliseconds(5), 1) == absl::Milliseconds(16));
  CHECK(cost.PaddingAfter(absl::Milliseconds(5), 9) == absl::Milliseconds(24));
  CHECK(cost.PaddingAfter(absl::Milliseconds(40), 9) == absl::ZeroDuration());
  EmulatedForwardCost off;
  CHECK(off.PaddingAfter(absl::ZeroDuration(), 100) == absl::ZeroDuration());
}

}  // namespace
}  // namespace tandem::model
