#include "edge/verdict_trace.h"

#include <nlohmann/json.hpp>

namespace tandem::edge {

std::string VerdictTraceRecord::ToJsonLine() const {
  // Field order is the struct's: a reader scanning lines by eye finds the
  // same column in the same place.
  nlohmann::ordered_json line;
  line["unix_us"] = unix_us;
  line["since_start_ms"] = since_start_ms;
  line["branch"] = branch;
  line["committed"] = committed;
  line["rejected"] = rejected;
  line["gamma"] = gamma;
  line["draft_ahead"] = draft_ahead;
  line["rtt_ms"] = rtt_ms;
  line["verify_ms"] = verify_ms;
  line["uplink_queueing_ms"] = uplink_queueing_ms;
  line["uplink_capacity_kbps"] = uplink_capacity_kbps;
  line["uplink_bottleneck_kbps"] = uplink_bottleneck_kbps;
  line["uplink_queue_jumped"] = uplink_queue_jumped;
  line["est_alpha"] = est_alpha;
  line["est_rtt_ms"] = est_rtt_ms;
  line["est_t_draft_ms"] = est_t_draft_ms;
  line["est_t_verify_ms"] = est_t_verify_ms;
  line["branches_sent"] = branches_sent;
  line["branches_held"] = branches_held;
  return line.dump();
}

}  // namespace tandem::edge
