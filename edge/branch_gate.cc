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
  if (uplink.queue_jumped()) return true;
  const double bottleneck_bytes_per_s = uplink.bottleneck_bytes_per_s();
  if (bottleneck_bytes_per_s <= 0) return false;
  if (branch.score * absl::ToDoubleSeconds(branch.rtt) * bottleneck_bytes_per_s <
      static_cast<double>(branch.bytes)) {
    return true;
  }
  return absl::Microseconds(uplink.QueueDelayUs(now_us, branch.bytes)) > target;
}

}  // namespace tandem::edge
