#include "edge/branch_gate.h"

namespace tandem::edge {

bool HoldBranchForUplink(const BranchGatePolicy& policy, const UplinkQueue& uplink,
                         const BranchCandidate& branch, int64_t now_us) {
  const absl::Duration target = policy.queue_target;
  if (target == absl::InfiniteDuration()) return false;
  if (!uplink.measured()) {
    if (policy.branches_before_measured >= 0) {
      return branch.branches_sent >= policy.branches_before_measured;
    }
    return policy.assumed_bytes_per_s > 0 &&
           absl::Microseconds(uplink.AssumedQueueDelayUs(now_us, branch.bytes,
                                                         policy.assumed_bytes_per_s)) > target;
  }
  const bool standing_queue = absl::Microseconds(uplink.standing_queueing_us()) * 2 >= target;
  if (standing_queue &&
      branch.score * absl::ToDoubleSeconds(branch.rtt) * uplink.capacity_bytes_per_s() <
          static_cast<double>(branch.bytes)) {
    return true;
  }
  const double gain = standing_queue ? 1.0 : kProbeGain;
  return absl::Microseconds(uplink.QueueDelayUs(now_us, branch.bytes, gain)) > target;
}

}  // namespace tandem::edge
