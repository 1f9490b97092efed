#ifndef TANDEM_CLOUD_CLOUD_CONFIG_H_
#define TANDEM_CLOUD_CLOUD_CONFIG_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/model/emulated_forward_cost.h"

namespace tandem::cloud {

// tandem-cloud's settings; main.cc fills them from flags.
struct CloudConfig {
  std::string model_dir;                  // the target model (HF directory)
  std::string dtype = "float32";          // float32 | bfloat16
  std::string device = "cpu";             // cpu | cuda[:N]
  int compute_threads = 0;                // libtorch intra-op threads; 0 = default
  std::string address = "0.0.0.0:50051";  // host:port; port 0 picks a free one
  int workers = 1;                        // model worker threads
  int64_t max_sessions = 64;
  int64_t max_prompt_tokens = 4096;
  int64_t max_draft_tokens = 64;  // drafted tokens per chunk
  int64_t max_new_tokens = 4096;
  int64_t max_message_bytes = 4 << 20;  // per gRPC message, both directions
  int zstd_level = 3;
  int64_t zstd_min_bytes = 64;                        // smaller payloads are never compressed
  absl::Duration shutdown_grace = absl::Seconds(30);  // SIGTERM: finish sessions
  // Benchmarks: make the target's forwards as slow as a larger model's.
  model::EmulatedForwardCost emulated_cost;

  // InvalidArgument naming the field and its range.
  absl::Status Validate() const;
};

}  // namespace tandem::cloud

#endif  // TANDEM_CLOUD_CLOUD_CONFIG_H_
