#include "edge/cloud_service_time.h"

namespace tandem::edge {

int64_t CloudServiceMicros(const wire::ChunkVerdict& verdict) {
  const bool waited_through_gap =
      verdict.cloud_idle_us > 0 && verdict.queue_us >= verdict.cloud_idle_us;
  return verdict.verify_us + (waited_through_gap ? verdict.cloud_idle_us : 0);
}

}  // namespace tandem::edge
