#include "cloud/cloud_server.h"

#include <grpcpp/health_check_service_interface.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cloud/verifier_service.h"
#include "cloud/verify_cost.h"
#include "common/base/logging.h"
#include "common/base/status_macros.h"
#include "common/model/compute_threads.h"
#include "common/model/model_identity.h"
#include "common/model/tokenizer/tokenizer.h"

namespace tandem::cloud {

absl::StatusOr<std::unique_ptr<CloudServer>> CloudServer::Start(const CloudConfig& config) {
  TANDEM_RETURN_IF_ERROR(config.Validate());
  model::SetComputeThreads(config.compute_threads);
  std::unique_ptr<CloudServer> server(new CloudServer());
  model::LlamaModelOptions model_options;
  model_options.model_dir = config.model_dir;
  model_options.dtype = config.dtype;
  model_options.device = config.device;
  model_options.emulated_cost = config.emulated_cost;
  TANDEM_ASSIGN_OR_RETURN(server->model_, model::LlamaModel::Load(model_options));
  TANDEM_ASSIGN_OR_RETURN(auto tokenizer, model::Tokenizer::FromDirectory(config.model_dir));
  TANDEM_ASSIGN_OR_RETURN(model::GenerationConfig generation,
                          model::LoadGenerationConfig(config.model_dir));

  server->workers_ = std::make_unique<WorkerPool>(config.workers);
  server->resources_ = std::make_unique<CloudResources>();
  CloudResources& r = *server->resources_;
  r.target = server->model_.get();
  r.identity.tokenizer = model::IdentityOf(*tokenizer);
  r.identity.stop_ids = model::StopTokenIds(server->model_->config(), generation, *tokenizer);
  // The probe's sizes: 1 and 9 tokens, a chunk of 8 drafts (the edge's
  // default --draft-max) and its committed token, or fewer if chunks are
  // capped lower. A forward's cost per token falls for larger chunks (a
  // 16-token probe read 0.09-0.13 ms a token where 9 read 0.16-0.20 and a
  // generation's own forwards 0.17-0.18, on the bundled target), so the line
  // is fitted over the sizes chunks have.
  absl::StatusOr<VerifyCost> verify_cost = MeasureVerifyCost(
      *server->model_, static_cast<int>(std::min<int64_t>(config.max_draft_tokens + 1, 9)));
  if (verify_cost.ok()) {
    r.identity.verify_cost = *verify_cost;
    ABSL_LOG(INFO) << absl::StrFormat("verify cost: %.2f ms + %.3f ms per token",
                                      absl::ToDoubleMilliseconds(verify_cost->fixed),
                                      absl::ToDoubleMilliseconds(verify_cost->per_token));
  } else {
    // Edges then fit the cost from their verdicts alone.
    ABSL_LOG(WARNING) << "verify cost not measured: " << verify_cost.status().message();
  }
  r.limits.max_prompt_tokens = config.max_prompt_tokens;
  r.limits.max_draft_tokens = config.max_draft_tokens;
  r.limits.max_new_tokens = config.max_new_tokens;
  r.compression.level = config.zstd_level;
  r.compression.min_bytes = static_cast<size_t>(config.zstd_min_bytes);
  r.workers = server->workers_.get();
  r.sessions = std::make_unique<SessionCounter>(config.max_sessions);
  server->service_ = std::make_unique<VerifierService>(r);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(config.address, grpc::InsecureServerCredentials(), &server->port_);
  builder.RegisterService(server->service_.get());
  builder.SetMaxReceiveMessageSize(static_cast<int>(config.max_message_bytes));
  builder.SetMaxSendMessageSize(static_cast<int>(config.max_message_bytes));
  server->server_ = builder.BuildAndStart();
  if (!server->server_ || server->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config.address,
                                               " (in use, or not an address of this host)"));
  }
  server->server_->GetHealthCheckService()->SetServingStatus(true);
  ABSL_LOG(INFO) << "tandem-cloud serving " << config.model_dir << " on port " << server->port_;
  return server;
}

void CloudServer::BeginShutdown() {
  if (draining_) return;
  draining_ = true;
  resources_->draining.store(true);
  server_->GetHealthCheckService()->SetServingStatus(false);
}

void CloudServer::Shutdown(absl::Duration grace) {
  if (shut_down_) return;
  shut_down_ = true;
  BeginShutdown();
  server_->Shutdown(std::chrono::system_clock::now() +
                    std::chrono::microseconds(absl::ToInt64Microseconds(grace)));
  workers_->Stop();
}

void CloudServer::Wait() { server_->Wait(); }

CloudServer::~CloudServer() {
  if (server_) Shutdown(absl::ZeroDuration());
}

}  // namespace tandem::cloud
