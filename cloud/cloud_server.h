#ifndef TANDEM_CLOUD_CLOUD_SERVER_H_
#define TANDEM_CLOUD_CLOUD_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cloud/cloud_config.h"
#include "cloud/cloud_resources.h"
#include "cloud/worker_pool.h"
#include "common/model/llama_model.h"

namespace tandem::cloud {

class VerifierService;

// tandem-cloud: the target model, the worker pool and the gRPC server with
// the Verifier and grpc.health.v1 services.
//
// Shutdown order (Shutdown): refuse new sessions and report NOT_SERVING;
// let open sessions finish for up to the grace period, then cancel them
// (each gets a clean CANCELLED); stop the workers; the model goes last.
class CloudServer {
 public:
  static absl::StatusOr<std::unique_ptr<CloudServer>> Start(const CloudConfig& config);
  ~CloudServer();

  int port() const { return port_; }  // the bound port (useful with port 0)
  const CloudResources& resources() const { return *resources_; }

  // BeginShutdown (non-blocking): refuse new sessions (UNAVAILABLE) and
  // report NOT_SERVING; open sessions go on. Shutdown: BeginShutdown, then
  // wait up to `grace` for open sessions to end, cancel the rest, stop the
  // workers. Both are idempotent.
  void BeginShutdown();
  void Shutdown(absl::Duration grace);
  void Wait();

 private:
  CloudServer() = default;

  std::unique_ptr<model::LlamaModel> model_;
  std::unique_ptr<WorkerPool> workers_;
  std::unique_ptr<CloudResources> resources_;
  std::unique_ptr<VerifierService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  bool draining_ = false;
  bool shut_down_ = false;
};

}  // namespace tandem::cloud

#endif  // TANDEM_CLOUD_CLOUD_SERVER_H_
