#include "bench/bench_harness.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"
#include "edge/grpc_verifier_transport.h"

namespace tandem::bench {

const std::vector<std::string>& BenchPrompts() {
  static const auto* const prompts =
      new std::vector<std::string>({"def ", "import os\n", "Return the ", "class Config:\n",
                                    "The following example shows", "for i in range("});
  return *prompts;
}

absl::Status BenchHarness::LoadDraft(const std::string& draft_dir) {
  model::LlamaModelOptions draft_options;
  draft_options.model_dir = draft_dir;
  TANDEM_ASSIGN_OR_RETURN(draft_, model::LlamaModel::Load(draft_options));
  TANDEM_ASSIGN_OR_RETURN(tokenizer_, model::Tokenizer::FromDirectory(draft_dir));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<BenchHarness>> BenchHarness::Start(const std::string& draft_dir,
                                                                  const std::string& target_dir,
                                                                  cloud::CloudConfig cloud) {
  std::unique_ptr<BenchHarness> harness(new BenchHarness());
  TANDEM_RETURN_IF_ERROR(harness->LoadDraft(draft_dir));
  cloud.model_dir = target_dir;
  cloud.address = "127.0.0.1:0";
  TANDEM_ASSIGN_OR_RETURN(harness->cloud_, cloud::CloudServer::Start(cloud));
  return harness;
}

absl::StatusOr<std::unique_ptr<BenchHarness>> BenchHarness::Attach(const std::string& draft_dir,
                                                                   int cloud_port) {
  if (cloud_port <= 0 || cloud_port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("cloud port ", cloud_port,
                                                   " is not a TCP port; pass the port tandem-cloud "
                                                   "printed (\"listening on port N\")"));
  }
  std::unique_ptr<BenchHarness> harness(new BenchHarness());
  TANDEM_RETURN_IF_ERROR(harness->LoadDraft(draft_dir));
  harness->external_cloud_port_ = cloud_port;
  return harness;
}

absl::StatusOr<std::unique_ptr<BenchHarness>> BenchHarness::StartOrAttach(
    const std::string& draft_dir, const std::string& target_dir, cloud::CloudConfig cloud,
    int cloud_port) {
  if (cloud_port != 0) return Attach(draft_dir, cloud_port);
  return Start(draft_dir, target_dir, std::move(cloud));
}

BenchHarness::~BenchHarness() {
  if (cloud_) cloud_->Shutdown(absl::Seconds(5));
}

absl::StatusOr<edge::GenerationStats> BenchHarness::Generate(
    int port, const edge::SpeculativeOptions& options, const std::string& prompt,
    edge::LinkMemory* link_memory) const {
  edge::GrpcVerifierTransport::Options transport_options;
  transport_options.address = absl::StrCat("127.0.0.1:", port);
  TANDEM_ASSIGN_OR_RETURN(auto transport, edge::GrpcVerifierTransport::Connect(transport_options));
  const bool needs_draft = options.decoding != edge::DecodingMode::kCloudAr;
  edge::SpeculativeClient client(needs_draft ? draft_.get() : nullptr, *tokenizer_, *transport,
                                 options, link_memory);
  edge::GenerationStats stats;
  TANDEM_RETURN_IF_ERROR(client.Generate(prompt, nullptr, &stats).status());
  return stats;
}

}  // namespace tandem::bench
