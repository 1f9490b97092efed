#ifndef TANDEM_EDGE_BRANCH_GATE_H_
#define TANDEM_EDGE_BRANCH_GATE_H_

#include <cstdint>

#include "absl/time/time.h"
#include "edge/uplink_queue.h"

namespace tandem::edge {

// When a correction branch may go up the uplink (design §6). Branches are
// speculative traffic: on a fat uplink they cost nothing and save a round
// trip when taken; on a thin one every byte of theirs delays the main
// path's chunks behind it.
struct BranchGatePolicy {
  // Hold a branch if the uplink queue it would join, itself included, is
  // predicted to take longer than this to drain (on an uplink measured to
  // be the bottleneck, or at the assumed rate before it is measured).
  // InfiniteDuration: the gate is off.
  absl::Duration queue_target = absl::InfiniteDuration();
  // Branches sent before the uplink is measured; -1: no limit, the
  // assumed rate below decides.
  int branches_before_measured = -1;
  // Before the uplink is measured (and without branches_before_measured):
  // the rate it is assumed to carry at least, bytes/s; 0: assume nothing.
  double assumed_bytes_per_s = 0;
};

// One branch the edge could send now.
struct BranchCandidate {
  double score = 0;       // its chance of being taken (BranchTarget::score)
  int64_t bytes = 0;      // framed size (the last branch's; 0 before the first)
  absl::Duration rtt;     // what it saves if taken, about
  int branches_sent = 0;  // by this session so far
};

// Whether `branch` waits, given what `uplink` predicts at `now_us`:
// - before the uplink is measured, after policy.branches_before_measured
//   if set, else when a link draining only policy.assumed_bytes_per_s since
//   the session's first send would hold the queue it joins, itself
//   included, past policy.queue_target (the first round trip's branches go
//   out at a thin link's pace, and a fat link's first report lifts the
//   limit);
// - measured, while a jump of the queueing from nothing is unsettled
//   (UplinkQueue::queue_jumped: a link that just turned thin, a loss
//   stall, or a longer path; until a report tells which), always: at
//   drift-coverage's thin turn the paced run that measures the bottleneck
//   came a verdict (0.2-0.6 s) after the first queued report, and the 7-8
//   branches sent in between were ~0.4 s of the 8 kbit/s link that every
//   later chunk waited behind (docs/benchmarks.md);
// - otherwise only on an uplink measured to be the bottleneck
//   (UplinkQueue::bottleneck_bytes_per_s, a run of link-paced reports): when
//   it costs the main path more time than it is expected to save, bytes / C
//   > score x RTT (at 32 kbit/s a 50-byte branch costs 12 ms), or when the
//   queue with it would exceed policy.queue_target. On any other link a
//   branch's bytes cost the main path nothing it would notice, and holding
//   one gives up the round trip it may save. A loss stall or jitter queues a
//   fat link's chunks for a few reports; read as a bottleneck (the rule
//   before this one: a standing queue of half the target, with the edge's
//   own sending rate for C), that held branches on the wan and cellular
//   presets and cost them 1-5% (docs/benchmarks.md).
bool HoldBranchForUplink(const BranchGatePolicy& policy, const UplinkQueue& uplink,
                         const BranchCandidate& branch, int64_t now_us);

}  // namespace tandem::edge

#endif  // TANDEM_EDGE_BRANCH_GATE_H_
