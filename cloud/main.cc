// tandem-cloud: the gRPC verifier. Holds the target model and one KV cache
// per session; verifies draft chunks from tandem-edge.
//
//   tandem-cloud --model DIR [--address 0.0.0.0:50051] [--max-sessions 64]
//
// SIGTERM/SIGINT: stop accepting sessions, report NOT_SERVING on
// grpc.health.v1, let open sessions finish for --shutdown-grace, then exit.

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "cloud/cloud_config.h"
#include "cloud/cloud_server.h"
#include "common/base/flag_spelling.h"
#include "common/base/logging.h"

ABSL_FLAG(std::string, model, "", "Target model: a Hugging Face model directory.");
ABSL_FLAG(std::string, address, "0.0.0.0:50051", "Listen address host:port (port 0 = any).");
ABSL_FLAG(std::string, dtype, "float32", "Compute dtype: float32 or bfloat16.");
ABSL_FLAG(std::string, device, "cpu", "cpu or cuda[:N] (needs a CUDA build of libtorch).");
ABSL_FLAG(int, threads, 0, "libtorch intra-op threads (0 = one per core).");
ABSL_FLAG(int, workers, 1, "Model worker threads (sessions verified in parallel).");
ABSL_FLAG(int64_t, max_sessions, 64, "Concurrent sessions; more are refused (RESOURCE_EXHAUSTED).");
ABSL_FLAG(int64_t, max_prompt_tokens, 4096, "Longest prompt accepted.");
ABSL_FLAG(int64_t, max_draft_tokens, 64,
          "Most drafted tokens in one chunk (at least 8: an edge sends chunks that long before "
          "Opened names this limit).");
ABSL_FLAG(int64_t, max_new_tokens, 4096, "Most tokens one session may generate.");
ABSL_FLAG(int64_t, max_message_bytes, 4 << 20, "Largest gRPC message either way.");
ABSL_FLAG(int, zstd_level, 3, "zstd level for payloads that pay to compress.");
ABSL_FLAG(int64_t, zstd_min_bytes, 64, "Payloads smaller than this are never compressed.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(30),
          "On SIGTERM, how long open sessions may run before they are cancelled.");
ABSL_FLAG(std::string, emulate_forward, "",
          "Benchmarks: pad each target forward over n tokens to FIXED + n * PER_TOKEN, "
          "e.g. 100ms+0.5ms/token, to stand for a larger target (default: off).");
ABSL_FLAG(int, v, 0, "Verbose logging level.");

namespace {

// SIGTERM/SIGINT may be delivered to any thread (OpenBLAS starts its pool
// before main, with signals unblocked), so the handler only does the one
// async-signal-safe thing: write the signal number to a pipe. A thread
// reading the pipe starts the graceful shutdown.
int signal_pipe[2] = {-1, -1};

void OnSignal(int signal) {
  const char byte = static_cast<char>(signal);
  const int saved_errno = errno;
  if (::write(signal_pipe[1], &byte, 1) < 0) {
    // Nothing safe to do here; a second signal will try again.
  }
  errno = saved_errno;
}

bool InstallSignalHandlers() {
  if (::pipe2(signal_pipe, O_CLOEXEC) != 0) return false;
  struct sigaction action = {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  return ::sigaction(SIGTERM, &action, nullptr) == 0 && ::sigaction(SIGINT, &action, nullptr) == 0;
}

int WaitForSignal() {
  char byte = 0;
  while (::read(signal_pipe[0], &byte, 1) < 0 && errno == EINTR) {
  }
  return byte;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("tandem-cloud --model DIR [--address HOST:PORT] [flags]");
  tandem::base::ArgvStorage args(tandem::base::NormalizeFlagSpelling(argc, argv));
  absl::ParseCommandLine(args.argc(), args.argv());
  tandem::base::SetVlogLevel(absl::GetFlag(FLAGS_v));

  if (!InstallSignalHandlers()) {
    std::cerr << "error: cannot install the SIGTERM/SIGINT handlers\n";
    return 1;
  }

  tandem::cloud::CloudConfig config;
  config.model_dir = absl::GetFlag(FLAGS_model);
  config.address = absl::GetFlag(FLAGS_address);
  config.dtype = absl::GetFlag(FLAGS_dtype);
  config.device = absl::GetFlag(FLAGS_device);
  config.compute_threads = absl::GetFlag(FLAGS_threads);
  config.workers = absl::GetFlag(FLAGS_workers);
  config.max_sessions = absl::GetFlag(FLAGS_max_sessions);
  config.max_prompt_tokens = absl::GetFlag(FLAGS_max_prompt_tokens);
  config.max_draft_tokens = absl::GetFlag(FLAGS_max_draft_tokens);
  config.max_new_tokens = absl::GetFlag(FLAGS_max_new_tokens);
  config.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  config.zstd_level = absl::GetFlag(FLAGS_zstd_level);
  config.zstd_min_bytes = absl::GetFlag(FLAGS_zstd_min_bytes);
  config.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  auto emulated_cost =
      tandem::model::EmulatedForwardCost::Parse(absl::GetFlag(FLAGS_emulate_forward));
  if (!emulated_cost.ok()) {
    std::cerr << "error: " << emulated_cost.status().message() << "\n";
    return 2;
  }
  config.emulated_cost = *emulated_cost;
  if (config.emulated_cost.enabled()) {
    ABSL_LOG(INFO) << "emulated target forward cost " << config.emulated_cost.ToString();
  }

  auto server = tandem::cloud::CloudServer::Start(config);
  if (!server.ok()) {
    std::cerr << "error: " << server.status().message() << "\n";
    return 1;
  }
  // Scripts read this line to learn the port (with --address HOST:0).
  std::cout << "tandem-cloud listening on port " << (*server)->port() << std::endl;
  std::thread signal_waiter([&] {
    const int signal = WaitForSignal();
    ABSL_LOG(INFO) << "signal " << signal << ": draining sessions (grace " << config.shutdown_grace
                   << ")";
    (*server)->Shutdown(config.shutdown_grace);
  });
  (*server)->Wait();
  signal_waiter.join();
  return 0;
}
