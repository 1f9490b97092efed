#include "bench/linkem/link_profile.h"

#include "absl/strings/match.h"
#include "bench/linkem/presets.h"
#include "catch2/catch.hpp"

namespace tandem::linkem {
namespace {

TEST_CASE("LinkProfile: the default profile is the identity and validates", "[linkem]") {
  const LinkProfile profile;
  CHECK(profile.Validate().ok());
  CHECK(profile.rtt() == absl::ZeroDuration());
  CHECK(profile.uplink.rate_kbps == 0.0);
  CHECK_FALSE(profile.uplink.HasLoss());
  CHECK(profile.mss_bytes == 1448);
}

TEST_CASE("LinkProfile: Validate names the direction and field that is out of range", "[linkem]") {
  LinkProfile profile;
  profile.downlink.loss = 1.5;
  absl::Status status = profile.Validate();
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StrContains(status.message(), "downlink.loss"));

  profile = LinkProfile();
  profile.uplink.delay = absl::Milliseconds(-1);
  CHECK(absl::StrContains(profile.Validate().message(), "uplink"));

  profile = LinkProfile();
  profile.uplink.queue_bytes = 1000;  // < one 1448-byte segment
  CHECK(absl::StrContains(profile.Validate().message(), "queue_bytes"));

  profile = LinkProfile();
  profile.uplink.burst_p = 0.1;
  profile.uplink.burst_r = 0.0;  // would never leave the bad state
  CHECK(absl::StrContains(profile.Validate().message(), "burst_r"));

  profile = LinkProfile();
  profile.min_rto = absl::Seconds(5);
  profile.max_rto = absl::Seconds(1);
  CHECK(absl::StrContains(profile.Validate().message(), "min_rto"));
}

TEST_CASE("ApplySetting: plain keys set both directions, up./down. prefixes one", "[linkem]") {
  LinkProfile profile;
  REQUIRE(ApplySettings("delay_ms=30, rate_kbps=20000 up.rate_mbps=5 down.jitter_ms=2.5", &profile)
              .ok());
  CHECK(profile.uplink.delay == absl::Milliseconds(30));
  CHECK(profile.downlink.delay == absl::Milliseconds(30));
  CHECK(profile.uplink.rate_kbps == 5000.0);
  CHECK(profile.downlink.rate_kbps == 20000.0);
  CHECK(profile.uplink.jitter == absl::ZeroDuration());
  CHECK(profile.downlink.jitter == absl::Microseconds(2500));
  CHECK(profile.rtt() == absl::Milliseconds(60));

  REQUIRE(ApplySettings("queue_kb=64 mss_bytes=1000 min_rto_ms=50 max_rto_ms=1000", &profile).ok());
  CHECK(profile.uplink.queue_bytes == 65536);
  CHECK(profile.mss_bytes == 1000);
  CHECK(profile.min_rto == absl::Milliseconds(50));
  CHECK(profile.max_rto == absl::Seconds(1));
}

TEST_CASE("ApplySetting: probabilities are fractions or percentages", "[linkem]") {
  LinkProfile profile;
  REQUIRE(ApplySetting("loss", "0.5%", &profile).ok());
  CHECK(profile.uplink.loss == Approx(0.005));
  REQUIRE(ApplySetting("up.burst_p", "0.01", &profile).ok());
  CHECK(profile.uplink.burst_p == Approx(0.01));
  CHECK(profile.downlink.burst_p == 0.0);
  CHECK(ApplySetting("loss", "150%", &profile).code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("ApplySetting: unknown keys and bad numbers are rejected naming the key", "[linkem]") {
  LinkProfile profile;
  absl::Status status = ApplySetting("latency_ms", "5", &profile);
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StrContains(status.message(), "latency_ms"));
  status = ApplySetting("up.delay_ms", "fast", &profile);
  CHECK(absl::StrContains(status.message(), "up.delay_ms=fast"));
  CHECK(ApplySettings("delay_ms", &profile).code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("DirectionProfile: MeanLossRate is the Gilbert-Elliott stationary loss", "[linkem]") {
  DirectionProfile d;
  d.loss = 0.001;
  CHECK(d.MeanLossRate() == Approx(0.001));
  d.burst_p = 0.002;
  d.burst_r = 0.25;
  d.burst_loss = 0.5;
  // pi_bad = 0.002 / 0.252 = 0.0079365; 0.9920635 * 0.001 + 0.0079365 * 0.5 = 0.0049603.
  CHECK(d.MeanLossRate() == Approx(0.0049603).epsilon(1e-4));
}

TEST_CASE("Presets: every preset validates and has its documented RTT, rate and loss", "[linkem]") {
  for (const Preset& preset : Presets()) {
    INFO(preset.name);
    CHECK(preset.profile.Validate().ok());
  }
  auto wan = PresetProfile("wan");
  REQUIRE(wan.ok());
  CHECK(wan->rtt() == absl::Milliseconds(60));
  CHECK(wan->uplink.rate_kbps == 20000.0);
  CHECK(wan->downlink.MeanLossRate() == Approx(0.005));
  auto cellular = PresetProfile("cellular");
  REQUIRE(cellular.ok());
  CHECK(cellular->rtt() == absl::Milliseconds(100));
  CHECK(cellular->uplink.rate_kbps == 8000.0);
  CHECK(cellular->uplink.jitter > absl::ZeroDuration());
  CHECK(cellular->uplink.burst_p > 0.0);
  CHECK(cellular->uplink.MeanLossRate() == Approx(0.005).epsilon(0.05));
  auto satellite = PresetProfile("satellite");
  REQUIRE(satellite.ok());
  CHECK(satellite->rtt() == absl::Milliseconds(600));
  CHECK(satellite->uplink.loss == Approx(0.01));
  auto leo = PresetProfile("leo");
  REQUIRE(leo.ok());
  CHECK(leo->rtt() == absl::Milliseconds(40));
  auto none = PresetProfile("none");
  REQUIRE(none.ok());
  CHECK(none->rtt() == absl::ZeroDuration());
}

TEST_CASE("Presets: an unknown name lists the valid ones", "[linkem]") {
  auto profile = PresetProfile("5g");
  CHECK(profile.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StrContains(profile.status().message(), "cellular"));
}

}  // namespace
}  // namespace tandem::linkem
