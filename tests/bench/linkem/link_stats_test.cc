#include "bench/linkem/link_stats.h"

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "bench/linkem/stats_server.h"
#include "catch2/catch.hpp"

namespace tandem::linkem {
namespace {

using absl::Milliseconds;

TEST_CASE("DirectionStats: counts segments, stalls and the delay mean and max", "[linkem]") {
  DirectionStats stats;
  Delivery plain{Milliseconds(0), Milliseconds(10), 1000};
  Delivery fast{Milliseconds(0), Milliseconds(60), 500, true, false, Milliseconds(50)};
  Delivery rto{Milliseconds(0), Milliseconds(230), 500, true, true, Milliseconds(200)};
  Delivery outage{Milliseconds(0), Milliseconds(100), 100};
  outage.outage_stall = Milliseconds(90);
  for (const Delivery& d : {plain, fast, rto, outage}) stats.Add(d);
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
  up.Add({Milliseconds(0), Milliseconds(20), 1448});
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

TEST_CASE("StatsHttpResponse: GET /stats is 200 JSON, other paths 404, garbage 400",
          "[linkem]") {
  const std::string ok = StatsHttpResponse("GET /stats?x=1 HTTP/1.1\r\n\r\n", "{\"a\":1}");
  CHECK(absl::StartsWith(ok, "HTTP/1.0 200 OK\r\n"));
  CHECK(absl::StrContains(ok, "Content-Type: application/json"));
  CHECK(absl::StrContains(ok, "Content-Length: 8\r\n"));
  CHECK(absl::EndsWith(ok, "\r\n\r\n{\"a\":1}\n"));
  CHECK(absl::StartsWith(StatsHttpResponse("GET / HTTP/1.1\r\n\r\n", "{}"), "HTTP/1.0 404"));
  CHECK(absl::StartsWith(StatsHttpResponse("POST /stats HTTP/1.1\r\n\r\n", "{}"),
                         "HTTP/1.0 404"));
  CHECK(absl::StartsWith(StatsHttpResponse("\r\n", "{}"), "HTTP/1.0 400"));
}

}  // namespace
}  // namespace tandem::linkem
