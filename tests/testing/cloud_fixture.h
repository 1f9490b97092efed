#ifndef TANDEM_TESTS_TESTING_CLOUD_FIXTURE_H_
#define TANDEM_TESTS_TESTING_CLOUD_FIXTURE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "cloud/cloud_server.h"
#include "common/base/file_util.h"
#include "common/model/llama_model.h"
#include "common/model/model_identity.h"
#include "common/model/tokenizer/tokenizer.h"
#include "edge/grpc_verifier_transport.h"
#include "edge/local_generator.h"
#include "edge/speculative_client.h"

namespace tandem::testing {

// The trained draft/target pair bundled in deploy/models (issue #3).
inline std::string DraftDir() {
  return base::JoinPath(TANDEM_SOURCE_DIR, "deploy/models/tandem-draft");
}
inline std::string TargetDir() {
  return base::JoinPath(TANDEM_SOURCE_DIR, "deploy/models/tandem-target");
}

inline std::unique_ptr<model::LlamaModel> LoadModelOrDie(const std::string& dir) {
  model::LlamaModelOptions options;
  options.model_dir = dir;
  auto model = model::LlamaModel::Load(options);
  INFO(model.status().message());
  REQUIRE(model.ok());
  return std::move(*model);
}

inline std::unique_ptr<model::Tokenizer> LoadTokenizerOrDie(const std::string& dir) {
  auto tokenizer = model::Tokenizer::FromDirectory(dir);
  INFO(tokenizer.status().message());
  REQUIRE(tokenizer.ok());
  return std::move(*tokenizer);
}

// The bundled pair, loaded: draft, target, and the tokenizer they share.
struct BundledPair {
  std::unique_ptr<model::LlamaModel> draft = LoadModelOrDie(DraftDir());
  std::unique_ptr<model::LlamaModel> target = LoadModelOrDie(TargetDir());
  std::unique_ptr<model::Tokenizer> tokenizer = LoadTokenizerOrDie(DraftDir());
};

// A real tandem-cloud on 127.0.0.1:<free port>, serving `model_dir`.
inline std::unique_ptr<cloud::CloudServer> StartCloud(const std::string& model_dir,
                                                      cloud::CloudConfig config = {}) {
  config.model_dir = model_dir;
  config.address = "127.0.0.1:0";
  config.compute_threads = 1;
  auto server = cloud::CloudServer::Start(config);
  INFO(server.status().message());
  REQUIRE(server.ok());
  return std::move(*server);
}

inline std::string Address(const cloud::CloudServer& server) {
  return absl::StrCat("127.0.0.1:", server.port());
}

// Runs one edge generation against the cloud at `address`; returns the ids.
inline absl::StatusOr<std::vector<int32_t>> RunEdge(
    const model::LlamaModel* draft, const model::Tokenizer& tokenizer, const std::string& address,
    const edge::SpeculativeOptions& options, const std::string& prompt,
    edge::GenerationStats* stats = nullptr, edge::LinkMemory* link_memory = nullptr) {
  edge::GrpcVerifierTransport::Options transport_options;
  transport_options.address = address;
  auto transport = edge::GrpcVerifierTransport::Connect(transport_options);
  if (!transport.ok()) return transport.status();
  edge::SpeculativeClient client(draft, tokenizer, **transport, options, link_memory);
  return client.Generate(prompt, nullptr, stats);
}

// Target-only generation on this machine: the reference output.
inline std::vector<int32_t> RunTargetAlone(const model::LlamaModel& target,
                                           const model::Tokenizer& tokenizer,
                                           const std::string& target_dir,
                                           const edge::GenerationOptions& options) {
  edge::GenerationOptions with_stops = options;
  auto generation = model::LoadGenerationConfig(target_dir);
  REQUIRE(generation.ok());
  with_stops.extra_stop_ids = model::StopTokenIds(target.config(), *generation, tokenizer);
  edge::LocalGenerator generator(target, tokenizer);
  auto ids = generator.Generate(with_stops, nullptr, nullptr);
  INFO(ids.status().message());
  REQUIRE(ids.ok());
  return *ids;
}

// The target's greedy continuation of `prompt`, `max_tokens` long at most:
// the reference that speculative decoding must reproduce.
inline std::vector<int32_t> TargetGreedy(const model::LlamaModel& target,
                                         const model::Tokenizer& tokenizer,
                                         const std::string& prompt, int64_t max_tokens) {
  edge::GenerationOptions options;
  options.prompt = prompt;
  options.max_tokens = max_tokens;
  return RunTargetAlone(target, tokenizer, TargetDir(), options);
}

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_TESTING_CLOUD_FIXTURE_H_
