#ifndef TANDEM_EDGE_LINK_MEMORY_H_
#define TANDEM_EDGE_LINK_MEMORY_H_

#include <optional>

#include "common/spec/draft_length_controller.h"
#include "edge/uplink_queue.h"

namespace tandem::edge {

// What earlier generations measured of one cloud link, for a long-lived edge
// that serves many requests over it (SpeculativeClient's `link_memory`): a
// generation starts from this instead of from priors, and leaves its own
// measurements here. One per cloud link and draft/target pair: the uplink's
// one-way delays are only comparable on one path, and the acceptance rate
// belongs to the pair.
struct LinkMemory {
  // The uplink's capacity, least one-way delay and recent queueing, which
  // gate correction branches (UplinkQueue::ForNewSession).
  UplinkQueue uplink;
  // The adaptive controller's estimates and last choice
  // (DraftLengthController::ForNewSession); empty until an adaptive
  // pipelined generation has run.
  std::optional<spec::DraftLengthController> controller;
};

}  // namespace tandem::edge

#endif  // TANDEM_EDGE_LINK_MEMORY_H_
