#include "bench/linkem/profile_schedule.h"

#include "absl/strings/match.h"
#include "bench/linkem/presets.h"
#include "catch2/catch.hpp"

namespace tandem::linkem {
namespace {

using absl::Milliseconds;

TEST_CASE("ProfileSchedule: each line changes the profile before it, from its time on",
          "[linkem]") {
  LinkProfile base;
  base.uplink.delay = Milliseconds(10);
  auto schedule = ProfileSchedule::Parse(
      "# drifting link\n"
      "1000 delay_ms=40 rate_kbps=5000   # both directions\n"
      "\n"
      "2500 up.loss=1% jitter_ms=3\n",
      base, "drift.txt");
  REQUIRE(schedule.ok());
  REQUIRE(schedule->entries().size() == 3);
  CHECK(schedule->At(Milliseconds(999)).uplink.delay == Milliseconds(10));
  CHECK(schedule->At(Milliseconds(999)).downlink.delay == absl::ZeroDuration());
  const LinkProfile& second = schedule->At(Milliseconds(1000));
  CHECK(second.uplink.delay == Milliseconds(40));
  CHECK(second.downlink.rate_kbps == 5000.0);
  const LinkProfile& third = schedule->At(Milliseconds(1e6));
  CHECK(third.uplink.delay == Milliseconds(40));  // carried over
  CHECK(third.uplink.loss == Approx(0.01));
  CHECK(third.downlink.loss == 0.0);
  CHECK(third.downlink.jitter == Milliseconds(3));
  // The next change after a time, strictly after it.
  CHECK(schedule->NextChangeAfter(Milliseconds(0)) == Milliseconds(1000));
  CHECK(schedule->NextChangeAfter(Milliseconds(1000)) == Milliseconds(2500));
  CHECK(schedule->NextChangeAfter(Milliseconds(2500)) == absl::InfiniteDuration());
}

TEST_CASE("ProfileSchedule: preset= restarts from a named preset", "[linkem]") {
  auto schedule = ProfileSchedule::Parse("0 preset=wan\n5000 preset=cellular up.rate_kbps=2000\n",
                                         LinkProfile(), "s");
  REQUIRE(schedule.ok());
  CHECK(schedule->At(absl::ZeroDuration()).rtt() == Milliseconds(60));
  const LinkProfile& cellular = schedule->At(Milliseconds(6000));
  CHECK(cellular.rtt() == Milliseconds(100));
  CHECK(cellular.uplink.rate_kbps == 2000.0);
  CHECK(cellular.downlink.rate_kbps == PresetProfile("cellular")->downlink.rate_kbps);
}

TEST_CASE("ProfileSchedule: outage lines add windows and stall chains defer to the last end",
          "[linkem]") {
  auto schedule = ProfileSchedule::Parse(
      "1000 outage=stall outage_ms=500\n"
      "1500 outage=stall outage_ms=100\n"
      "4000 outage=reset outage_ms=2000\n",
      LinkProfile(), "s");
  REQUIRE(schedule.ok());
  REQUIRE(schedule->outages().size() == 3);
  CHECK(schedule->entries().size() == 1);  // outage lines alone do not change the profile
  CHECK(schedule->DeferPastStallOutages(Milliseconds(999)) == Milliseconds(999));
  CHECK(schedule->DeferPastStallOutages(Milliseconds(1200)) == Milliseconds(1600));
  CHECK(schedule->DeferPastStallOutages(Milliseconds(1600)) == Milliseconds(1600));
  CHECK(schedule->DeferPastStallOutages(Milliseconds(4500)) == Milliseconds(4500));  // reset
  CHECK(schedule->ResetOutageAt(Milliseconds(3999)) == nullptr);
  REQUIRE(schedule->ResetOutageAt(Milliseconds(4000)) != nullptr);
  CHECK(schedule->ResetOutageAt(Milliseconds(4000))->end == Milliseconds(6000));
  CHECK(schedule->ResetOutageAt(Milliseconds(6000)) == nullptr);
  CHECK(schedule->NextResetOutageStart(absl::ZeroDuration()) == Milliseconds(4000));
  CHECK(schedule->NextResetOutageStart(Milliseconds(4000)) == absl::InfiniteDuration());
}

TEST_CASE("ProfileSchedule: malformed lines are rejected naming file and line", "[linkem]") {
  auto check_error = [](const char* text, const char* where, const char* what) {
    auto schedule = ProfileSchedule::Parse(text, LinkProfile(), "s.txt");
    INFO(text);
    CHECK(schedule.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(absl::StrContains(schedule.status().message(), where));
    CHECK(absl::StrContains(schedule.status().message(), what));
  };
  check_error("soon delay_ms=5\n", "s.txt:1", "soon");
  check_error("100 delay_ms=5\n50 delay_ms=6\n", "s.txt:2", "decrease");
  check_error("0 delay_ms=5\n10 latency=3\n", "s.txt:2", "latency");
  check_error("10 delay_ms\n", "s.txt:1", "key=value");
  check_error("10 outage=stall\n", "s.txt:1", "outage_ms");
  check_error("10 outage=sometimes outage_ms=5\n", "s.txt:1", "stall or reset");
  check_error("\n\n10 loss=2\n", "s.txt:3", "loss");
  check_error("10 preset=moon\n", "s.txt:1", "moon");
}

TEST_CASE("ParseOutageList: start+duration with an optional mode", "[linkem]") {
  auto windows = ParseOutageList("10000+2000:reset, 30000+500");
  REQUIRE(windows.ok());
  REQUIRE(windows->size() == 2);
  CHECK((*windows)[0].start == Milliseconds(10000));
  CHECK((*windows)[0].end == Milliseconds(12000));
  CHECK((*windows)[0].mode == OutageMode::kReset);
  CHECK((*windows)[1].mode == OutageMode::kStall);
  CHECK(ParseOutageList("")->empty());
  CHECK(absl::StrContains(ParseOutageList("10000").status().message(), "START_MS+DURATION_MS"));
  CHECK(absl::StrContains(ParseOutageList("1+2:flaky").status().message(), "flaky"));
}

TEST_CASE("ProfileSchedule: overlapping or empty outages are rejected", "[linkem]") {
  ProfileSchedule schedule((LinkProfile()));
  REQUIRE(schedule.AddOutage({Milliseconds(100), Milliseconds(200), OutageMode::kStall}).ok());
  CHECK(absl::StrContains(
      schedule.AddOutage({Milliseconds(150), Milliseconds(250), OutageMode::kReset}).message(),
      "overlaps"));
  CHECK_FALSE(schedule.AddOutage({Milliseconds(300), Milliseconds(300), OutageMode::kStall}).ok());
  CHECK(schedule.AddOutage({Milliseconds(200), Milliseconds(300), OutageMode::kStall}).ok());
}

}  // namespace
}  // namespace tandem::linkem
