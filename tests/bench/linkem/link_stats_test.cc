#include "bench/linkem/link_stats.h"

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "bench/linkem/stats_server.h"
#include "catch2/catch.hpp"

namespace tandem::linkem {
namespace {

using absl::Milliseconds;

// A segment that arrived at 0 and is due at `due_ms`.
Delivery Segment(int64_t due_ms, int64_t bytes) {
  Delivery d;
  d.arrival = absl::ZeroDuration();
  d.due = Milliseconds(due_ms);
  d.bytes = bytes;
  return d;
}

Delivery Lost(int64_t due_ms, int64_t bytes, bool rto, int64_t stall_ms) {
  Delivery d = Segment(due_ms, bytes);
  d.lost = true;
  d.rto = rto;
  d.loss_stall = Milliseconds(stall_ms);
  return d;
}

TEST_CASE("DirectionStats: counts segments, stalls and the delay mean and max", "[linkem]") {
  DirectionStats stats;
  Delivery outage = Segment(100, 100);
  outage.outage_stall = Milliseconds(90);
  for (const Delivery& d : {Segment(10, 1000), Lost(60, 500, /*rto=*/false, 50),
                            Lost(230, 500, /*rto=*/true, 200), outage}) {
    stats.Add(d);
  }
  CHECK(stats.bytes == 2100);
  CHECK(stats.segments == 4);
  CHECK(stats.lost_segments == 2);
  CHECK(stats.fast_retransmit_stalls == 1);
  CHECK(stats.rto_stalls == 1);
  CHECK(stats.loss_stall_time == Milliseconds(250));
  CHECK(stats.outage_stalled_segments == 1);
  CHECK(stats.outage_stall_time == Milliseconds(90));
  CHECK(stats.mean_delay() == Milliseconds(100));  // (10 + 60 + 230 + 100) / 4
  CHECK(stats.delay_max == Milliseconds(230));

  DirectionStats more;
  more.AddWrite(Milliseconds(2));
  more.AddWrite(Milliseconds(4));
  stats.Merge(more);
  CHECK(stats.writes == 2);
  CHECK(stats.mean_lateness() == Milliseconds(3));
  CHECK(stats.lateness_max == Milliseconds(4));
  CHECK(stats.segments == 4);
}

TEST_CASE("LinkStats: JSON and text report both directions", "[linkem]") {
  StatsRecorder recorder;
  recorder.ConnectionAccepted();
  recorder.OutageReset();
  DirectionStats up;
  up.Add(Segment(20, 1448));
  recorder.AddDirection(Direction::kUplink, up);
  const LinkStats stats = recorder.Snapshot(absl::Seconds(3));
  const nlohmann::json json = nlohmann::json::parse(stats.ToJson());
  CHECK(json["elapsed_s"] == 3.0);
  CHECK(json["connections_active"] == 1);
  CHECK(json["outage_resets"] == 1);
  CHECK(json["uplink"]["bytes"] == 1448);
  CHECK(json["uplink"]["delay_mean_ms"] == 20.0);
  CHECK(json["downlink"]["segments"] == 0);
  const std::string text = stats.ToText();
  CHECK(absl::StrContains(text, "uplink   1448 bytes in 1 segments"));
  CHECK(absl::StrContains(text, "downlink"));
}

TEST_CASE("StatsHttpResponse: GET /stats is 200 JSON, other paths 404, garbage 400", "[linkem]") {
  const std::string ok = StatsHttpResponse("GET /stats?x=1 HTTP/1.1\r\n\r\n", "{\"a\":1}");
  CHECK(absl::StartsWith(ok, "HTTP/1.0 200 OK\r\n"));
  CHECK(absl::StrContains(ok, "Content-Type: application/json"));
  CHECK(absl::StrContains(ok, "Content-Length: 8\r\n"));
  CHECK(absl::EndsWith(ok, "\r\n\r\n{\"a\":1}\n"));
  CHECK(absl::StartsWith(StatsHttpResponse("GET / HTTP/1.1\r\n\r\n", "{}"), "HTTP/1.0 404"));
  CHECK(absl::StartsWith(StatsHttpResponse("POST /stats HTTP/1.1\r\n\r\n", "{}"), "HTTP/1.0 404"));
  CHECK(absl::StartsWith(StatsHttpResponse("\r\n", "{}"), "HTTP/1.0 400"));
}

}  // namespace
}  // namespace tandem::linkem
