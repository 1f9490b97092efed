// SessionClock: Draft.sent_at_us on the wire is session-relative, and comes
// back as the Unix time the edge stamped.

#include "edge/session_clock.h"

#include <cstdint>

#include "catch2/catch.hpp"
#include "proto/tandem/v1/tandem.pb.h"

namespace tandem::edge {
namespace {

// 2026-11-21 in Unix microseconds: the magnitude a real send time has.
constexpr int64_t kSessionStartUs = int64_t{1'795'300'000} * 1'000'000;
constexpr int64_t kMinuteUs = int64_t{60} * 1'000'000;

TEST_CASE("SessionClock: a send time round-trips through the wire", "[edge][session_clock]") {
  const SessionClock clock(kSessionStartUs);
  for (const int64_t after_us : {int64_t{0}, int64_t{1}, int64_t{123'456}, 10 * kMinuteUs}) {
    INFO("sent " << after_us << " us after the session began");
    const int64_t wire = clock.ToWire(kSessionStartUs + after_us);
    CHECK(wire == after_us + 1);  // >= 1 from the session's start on
    CHECK(clock.FromWire(wire) == kSessionStartUs + after_us);
  }
}

TEST_CASE("SessionClock: 0 is 'not stamped' both ways", "[edge][session_clock]") {
  const SessionClock clock(kSessionStartUs);
  CHECK(clock.FromWire(0) == 0);
  // A wall clock that stepped back before the origin still stamps (>= 1).
  CHECK(clock.ToWire(kSessionStartUs - kMinuteUs) == 1);
}

TEST_CASE("SessionClock: a stamped Draft is 4 bytes smaller than with a Unix time",
          "[edge][session_clock]") {
  const SessionClock clock(kSessionStartUs);
  // Four minutes into a session: longer than any generation the benches run.
  const int64_t sent_at_us = kSessionStartUs + 4 * kMinuteUs;
  v1::Draft unix_stamped;
  unix_stamped.set_sent_at_us(sent_at_us);
  v1::Draft session_stamped;
  session_stamped.set_sent_at_us(clock.ToWire(sent_at_us));
  // Varints: 8 bytes for ~1.8e15, 4 for 2.4e8 (< 2^28).
  CHECK(unix_stamped.ByteSizeLong() - session_stamped.ByteSizeLong() == 4);
}

}  // namespace
}  // namespace tandem::edge
