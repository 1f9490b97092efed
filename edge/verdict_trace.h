#ifndef TANDEM_EDGE_VERDICT_TRACE_H_
#define TANDEM_EDGE_VERDICT_TRACE_H_

#include <cstdint>
#include <functional>
#include <string>

namespace tandem::edge {

// What the edge knew and chose when it applied one verdict of a pipelined
// generation: one line of `tandem-edge --trace-file` (JSON lines). The
// per-generation --json stats give the final estimates; this gives their
// path, so a run over a changing link can be read verdict by verdict
// against the link's schedule (docs/operations.md, "Tracing a
// generation"): how many round trips the estimates took to follow a
// change, what the controller chose meanwhile, which branches went out or
// were held.
struct VerdictTraceRecord {
  // Wall clock when the verdict was applied, microseconds since the Unix
  // epoch: lines up with a tandem-linkem schedule started at a known time.
  int64_t unix_us = 0;
  double since_start_ms = 0;  // since the generation started
  bool branch = false;        // the verdict of a correction branch
  int committed = 0;          // drafted tokens it accepted
  bool rejected = false;      // it ended in a rejection (a correction follows)
  // The controller's setting in force once the verdict was applied (fixed
  // settings: the options').
  int gamma = 0;
  int draft_ahead = 0;
  // This verdict's round trip from the echoed timestamp, without the cloud's
  // compute; and the cloud's compute it reported.
  double rtt_ms = 0;
  double verify_ms = 0;
  // The uplink as edge/uplink_queue.h reads it after this verdict: the
  // chunk's queueing (its one-way delay over the least seen), the capacity
  // estimate, and the rate while the uplink is measured to be the
  // bottleneck (0: it is not); and whether a jump of the queueing from
  // nothing is unsettled (UplinkQueue::queue_jumped: branches wait).
  double uplink_queueing_ms = 0;
  double uplink_capacity_kbps = 0;
  double uplink_bottleneck_kbps = 0;
  bool uplink_queue_jumped = false;
  // The adaptive controller's estimates (all 0 with --adaptive=false).
  double est_alpha = 0;
  double est_rtt_ms = 0;
  double est_t_draft_ms = 0;
  double est_t_verify_ms = 0;  // for a chunk of `gamma` tokens
  // Correction branches so far in the generation: sent, and held back by
  // the uplink gate (edge/branch_gate.h).
  int64_t branches_sent = 0;
  int64_t branches_held = 0;

  // One JSON object on one line, without the newline.
  std::string ToJsonLine() const;
};

// Receives every record as it is made, on the generation's thread.
using VerdictTraceSink = std::function<void(const VerdictTraceRecord&)>;

}  // namespace tandem::edge

#endif  // TANDEM_EDGE_VERDICT_TRACE_H_
