#include "edge/verdict_trace.h"

#include <nlohmann/json.hpp>
#include <string>

#include "catch2/catch.hpp"

namespace tandem::edge {
namespace {

TEST_CASE("VerdictTraceRecord: one JSON line with every field", "[edge][verdict_trace]") {
  VerdictTraceRecord record;
  record.unix_us = 1795372496248916;
  record.since_start_ms = 224.5;
  record.branch = true;
  record.committed = 6;
  record.rejected = true;
  record.gamma = 4;
  record.draft_ahead = 12;
  record.rtt_ms = 62.9;
  record.verify_ms = 6.4;
  record.uplink_queueing_ms = 4.5;
  record.uplink_capacity_kbps = 75.7;
  record.uplink_bottleneck_kbps = 8.25;
  record.uplink_queue_jumped = true;
  record.est_alpha = 0.74;
  record.est_rtt_ms = 113.8;
  record.est_t_draft_ms = 0.85;
  record.est_t_verify_ms = 9.2;
  record.branches_sent = 13;
  record.branches_held = 2;

  const std::string line = record.ToJsonLine();
  CHECK(line.find('\n') == std::string::npos);
  const nlohmann::json parsed = nlohmann::json::parse(line);
  CHECK(parsed.size() == 19);
  CHECK(parsed["unix_us"].get<int64_t>() == record.unix_us);
  CHECK(parsed["since_start_ms"].get<double>() == record.since_start_ms);
  CHECK(parsed["branch"].get<bool>());
  CHECK(parsed["committed"].get<int>() == 6);
  CHECK(parsed["rejected"].get<bool>());
  CHECK(parsed["gamma"].get<int>() == 4);
  CHECK(parsed["draft_ahead"].get<int>() == 12);
  CHECK(parsed["rtt_ms"].get<double>() == record.rtt_ms);
  CHECK(parsed["verify_ms"].get<double>() == record.verify_ms);
  CHECK(parsed["uplink_queueing_ms"].get<double>() == record.uplink_queueing_ms);
  CHECK(parsed["uplink_capacity_kbps"].get<double>() == record.uplink_capacity_kbps);
  CHECK(parsed["uplink_bottleneck_kbps"].get<double>() == record.uplink_bottleneck_kbps);
  CHECK(parsed["uplink_queue_jumped"].get<bool>());
  CHECK(parsed["est_alpha"].get<double>() == record.est_alpha);
  CHECK(parsed["est_rtt_ms"].get<double>() == record.est_rtt_ms);
  CHECK(parsed["est_t_draft_ms"].get<double>() == record.est_t_draft_ms);
  CHECK(parsed["est_t_verify_ms"].get<double>() == record.est_t_verify_ms);
  CHECK(parsed["branches_sent"].get<int64_t>() == 13);
  CHECK(parsed["branches_held"].get<int64_t>() == 2);
}

TEST_CASE("VerdictTraceRecord: the fields keep the struct's order", "[edge][verdict_trace]") {
  const std::string line = VerdictTraceRecord{}.ToJsonLine();
  // A reader scanning lines by eye finds each column in the same place.
  CHECK(line.find("\"unix_us\"") < line.find("\"since_start_ms\""));
  CHECK(line.find("\"gamma\"") < line.find("\"draft_ahead\""));
  CHECK(line.find("\"uplink_queueing_ms\"") < line.find("\"uplink_bottleneck_kbps\""));
  CHECK(line.find("\"est_alpha\"") < line.find("\"branches_sent\""));
}

}  // namespace
}  // namespace tandem::edge
