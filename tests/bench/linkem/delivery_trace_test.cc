#include "bench/linkem/delivery_trace.h"

#include "absl/strings/match.h"
#include "catch2/catch.hpp"

namespace tandem::linkem {
namespace {

using absl::Milliseconds;

TEST_CASE("DeliveryTrace: parses a Mahimahi trace that repeats with its last time as period",
          "[linkem]") {
  auto trace = DeliveryTrace::Parse("# comment\n3\n3\n\n7\n10\n", "t");
  REQUIRE(trace.ok());
  CHECK(trace->opportunities_per_period() == 4);
  CHECK(trace->period() == Milliseconds(10));
  // k = 0..3: 3, 3, 7, 10; then 13, 13, 17, 20; then 23, ...
  CHECK(trace->OpportunityTime(0) == Milliseconds(3));
  CHECK(trace->OpportunityTime(1) == Milliseconds(3));
  CHECK(trace->OpportunityTime(3) == Milliseconds(10));
  CHECK(trace->OpportunityTime(4) == Milliseconds(13));
  CHECK(trace->OpportunityTime(7) == Milliseconds(20));
  CHECK(trace->OpportunityTime(8) == Milliseconds(23));
}

TEST_CASE("DeliveryTrace: FirstOpportunityAtOrAfter finds the next slot across periods",
          "[linkem]") {
  auto trace = DeliveryTrace::Parse("3\n3\n7\n10\n", "t");
  REQUIRE(trace.ok());
  CHECK(trace->FirstOpportunityAtOrAfter(absl::ZeroDuration()) == 0);
  CHECK(trace->FirstOpportunityAtOrAfter(Milliseconds(3)) == 0);
  CHECK(trace->FirstOpportunityAtOrAfter(absl::Microseconds(3001)) == 2);  // 7 ms
  CHECK(trace->FirstOpportunityAtOrAfter(Milliseconds(10)) == 3);
  CHECK(trace->FirstOpportunityAtOrAfter(absl::Microseconds(10001)) == 4);  // 13 ms
  CHECK(trace->FirstOpportunityAtOrAfter(Milliseconds(18)) == 7);           // 20 ms
  CHECK(trace->FirstOpportunityAtOrAfter(Milliseconds(1000)) == 399);       // 100 * 4 - 1
  CHECK(trace->OpportunityTime(399) == Milliseconds(1000));
}

TEST_CASE("DeliveryTrace: mean rate counts one packet per opportunity", "[linkem]") {
  // 1 packet per ms of 1500 bytes = 12000 bit/ms = 12000 kbit/s.
  auto trace = DeliveryTrace::Parse("1\n2\n3\n4\n", "t");
  REQUIRE(trace.ok());
  CHECK(trace->MeanRateKbps(1500) == Approx(12000.0));
}

TEST_CASE("DeliveryTrace: malformed traces are rejected naming the line", "[linkem]") {
  auto bad_number = DeliveryTrace::Parse("1\n2\nabc\n", "up.trace");
  CHECK(bad_number.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StrContains(bad_number.status().message(), "up.trace:3"));
  CHECK(absl::StrContains(bad_number.status().message(), "abc"));

  auto negative = DeliveryTrace::Parse("-5\n", "t");
  CHECK(absl::StrContains(negative.status().message(), "t:1"));

  auto decreasing = DeliveryTrace::Parse("1\n5\n4\n", "t");
  CHECK(absl::StrContains(decreasing.status().message(), "t:3"));
  CHECK(absl::StrContains(decreasing.status().message(), "non-decreasing"));

  CHECK(DeliveryTrace::Parse("", "t").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StrContains(DeliveryTrace::Parse("0\n0\n", "t").status().message(), "period"));
  CHECK(DeliveryTrace::Parse("1.5\n", "t").status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("DeliveryTrace: loading a missing file is NotFound naming the path", "[linkem]") {
  auto trace = DeliveryTrace::Load("/nonexistent/linkem.trace");
  CHECK(trace.status().code() == absl::StatusCode::kNotFound);
  CHECK(absl::StrContains(trace.status().message(), "/nonexistent/linkem.trace"));
}

}  // namespace
}  // namespace tandem::linkem
