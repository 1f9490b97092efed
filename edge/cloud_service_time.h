#ifndef TANDEM_EDGE_CLOUD_SERVICE_TIME_H_
#define TANDEM_EDGE_CLOUD_SERVICE_TIME_H_

#include <cstdint>

#include "common/wire/messages.h"

namespace tandem::edge {

// The cloud's time for one chunk as the draft-length controller should count
// it (common/spec/draft_length_controller.h, ObserveVerify): what bounds how
// many chunks per second the cloud can take, not only its compute.
//
// A verdict reports `verify_us` (decode + target forward + verification),
// `queue_us` (chunk received -> its processing started) and `cloud_idle_us`
// (previous verdict produced -> this chunk's processing started). When
// queue_us >= cloud_idle_us the chunk had already arrived when the previous
// verdict went out, so the cloud had work waiting through that whole gap:
// the gap is per-chunk overhead (writing the verdict, taking the next message
// off the stream, thread hand-offs), and it is added. Otherwise the gap was
// (at least partly) the cloud waiting for this chunk, which is the link's or
// the edge's time, not the cloud's, and only verify_us counts.
// Microseconds.
int64_t CloudServiceMicros(const wire::ChunkVerdict& verdict);

}  // namespace tandem::edge

#endif  // TANDEM_EDGE_CLOUD_SERVICE_TIME_H_
