#ifndef TANDEM_CLOUD_CLOUD_RESOURCES_H_
#define TANDEM_CLOUD_CLOUD_RESOURCES_H_

#include <atomic>
#include <cstdint>
#include <memory>

#include "cloud/session_counter.h"
#include "cloud/verifier_session.h"
#include "cloud/worker_pool.h"
#include "common/model/llama_model.h"
#include "common/wire/zstd_codec.h"

namespace tandem::cloud {

// What every session of one tandem-cloud process shares. Owned by
// CloudServer; outlives every session (the server waits for them).
struct CloudResources {
  const model::LlamaModel* target = nullptr;
  TargetIdentity identity;
  SessionLimits limits;
  wire::CompressionPolicy compression;
  WorkerPool* workers = nullptr;
  // Messages a session may have queued before the reactor stops reading
  // (backpressure: a fast edge waits instead of growing the queue).
  size_t max_queued_messages = 32;

  std::unique_ptr<SessionCounter> sessions;  // open sessions vs --max-sessions
  std::atomic<uint64_t> next_session_id{1};
  std::atomic<bool> draining{false};  // SIGTERM: refuse new sessions
  // Counters (also exported as metrics).
  std::atomic<int64_t> sessions_total{0};
  std::atomic<int64_t> sessions_failed{0};
};

}  // namespace tandem::cloud

#endif  // TANDEM_CLOUD_CLOUD_RESOURCES_H_
