// CloudServiceMicros: which part of a verdict's timings is the cloud's own time per chunk.

#include "edge/cloud_service_time.h"

#include "catch2/catch.hpp"

namespace tandem::edge {
namespace {

wire::ChunkVerdict Timed(int64_t verify_us, int64_t queue_us, int64_t cloud_idle_us) {
  wire::ChunkVerdict verdict;
  verdict.verify_us = verify_us;
  verdict.queue_us = queue_us;
  verdict.cloud_idle_us = cloud_idle_us;
  return verdict;
}

TEST_CASE("Cloud service time: a chunk that waited through the gap adds the gap as overhead") {
  // Received 900 us before processing began, the previous verdict went out
  // 300 us before: the cloud had the chunk for the whole 300 us gap.
  CHECK(CloudServiceMicros(Timed(2000, 900, 300)) == 2300);
  // Arrived exactly when the previous verdict went out.
  CHECK(CloudServiceMicros(Timed(2000, 300, 300)) == 2300);
}

TEST_CASE("Cloud service time: a chunk that arrived into an idle cloud counts compute only") {
  // The previous verdict went out 40 ms before processing began, the chunk
  // arrived 50 us before it: the cloud waited for the link, not for itself.
  CHECK(CloudServiceMicros(Timed(2000, 50, 40000)) == 2000);
  // The first chunk after Open has no previous verdict.
  CHECK(CloudServiceMicros(Timed(2000, 700, 0)) == 2000);
}

}  // namespace
}  // namespace tandem::edge
