#ifndef TANDEM_BENCH_BENCH_HARNESS_H_
#define TANDEM_BENCH_BENCH_HARNESS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cloud/cloud_config.h"
#include "cloud/cloud_server.h"
#include "common/model/llama_model.h"
#include "common/model/tokenizer/tokenizer.h"
#include "edge/generation_stats.h"
#include "edge/speculative_client.h"

namespace tandem::bench {

// The benchmarks' fixed prompts; configuration p runs prompt p % size().
const std::vector<std::string>& BenchPrompts();

// What the edge-cloud benchmarks share: the draft model and tokenizer,
// loaded once, and a real tandem-cloud serving the target in-process on
// 127.0.0.1:<free port>. Generate() runs one edge session over real gRPC,
// to the cloud directly or to a link emulator in front of it.
class BenchHarness {
 public:
  // `cloud` is completed with the target directory and a loopback address.
  static absl::StatusOr<std::unique_ptr<BenchHarness>> Start(const std::string& draft_dir,
                                                             const std::string& target_dir,
                                                             cloud::CloudConfig cloud = {});
  // The same, but against a tandem-cloud already serving on
  // 127.0.0.1:`cloud_port` (its own process, e.g. pinned to its own core).
  static absl::StatusOr<std::unique_ptr<BenchHarness>> Attach(const std::string& draft_dir,
                                                              int cloud_port);
  // Attach() if `cloud_port` is set (the benchmarks' --cloud_port), else Start().
  static absl::StatusOr<std::unique_ptr<BenchHarness>> StartOrAttach(const std::string& draft_dir,
                                                                     const std::string& target_dir,
                                                                     cloud::CloudConfig cloud,
                                                                     int cloud_port);
  ~BenchHarness();

  int cloud_port() const { return cloud_ ? cloud_->port() : external_cloud_port_; }
  const model::Tokenizer& tokenizer() const { return *tokenizer_; }

  // One generation against 127.0.0.1:`port`; cloud-only decoding needs no
  // draft. `link_memory`: as SpeculativeClient's (a link's measurements
  // carried from one generation to the next), or null.
  absl::StatusOr<edge::GenerationStats> Generate(int port, const edge::SpeculativeOptions& options,
                                                 const std::string& prompt,
                                                 edge::LinkMemory* link_memory = nullptr) const;

 private:
  BenchHarness() = default;
  absl::Status LoadDraft(const std::string& draft_dir);

  std::unique_ptr<model::LlamaModel> draft_;
  std::unique_ptr<model::Tokenizer> tokenizer_;
  std::unique_ptr<cloud::CloudServer> cloud_;  // null when attached
  int external_cloud_port_ = 0;
};

}  // namespace tandem::bench

#endif  // TANDEM_BENCH_BENCH_HARNESS_H_
