// tandem-protocol-bytes-bench: what each verification mode costs on the link.
//
// Runs real sessions (tandem-cloud in-process on 127.0.0.1:<free port>,
// the edge client over gRPC) with the bundled draft/target pair on a fixed
// prompt set, per mode, with zstd on and off, and prints:
//   uplink bytes per drafted token   (Draft messages / tokens drafted)
//   downlink bytes per rejection     (rejection Verdicts + Resample answers / rejections)
// as payload (Tandem's data fields), message (serialized protobuf) and framed
// (+ gRPC 5-byte prefix + HTTP/2 9-byte DATA frame header), next to what a
// dense fp16 distribution over the vocabulary would cost (2 bytes x vocab).
//
//   tandem-protocol-bytes-bench [--draft=DIR --target=DIR] [--temperature=0.7]

#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/bench_harness.h"
#include "common/base/flag_spelling.h"
#include "common/model/llama_model.h"
#include "common/model/tokenizer/tokenizer.h"
#include "edge/speculative_client.h"

ABSL_FLAG(std::string, draft, "deploy/models/tandem-draft", "Draft model directory.");
ABSL_FLAG(std::string, target, "deploy/models/tandem-target", "Target model directory.");
ABSL_FLAG(double, temperature, 0.7, "Sampling temperature (0 = greedy: ids only).");
ABSL_FLAG(int, draft_max, 4, "Tokens drafted per chunk.");
ABSL_FLAG(int, max_tokens, 96, "Tokens generated per prompt.");
ABSL_FLAG(int, threads, 1, "Compute threads.");
ABSL_FLAG(std::string, git_sha, "", "Recorded in the JSON rows.");

namespace {

namespace v1 = ::tandem::v1;

const std::vector<std::string> kPrompts = {"def ",
                                           "import os\n",
                                           "class Config:\n",
                                           "Return the ",
                                           "The following example shows",
                                           "for i in range(",
                                           "This module provides",
                                           "    def close(self):\n"};

struct Totals {
  tandem::edge::GenerationStats sum;
  int64_t draft_tokens = 0;
  int64_t rejections = 0;
};

void Accumulate(const tandem::edge::GenerationStats& s, Totals& t) {
  t.sum.draft_payload_bytes += s.draft_payload_bytes;
  t.sum.draft_message_bytes += s.draft_message_bytes;
  t.sum.draft_framed_bytes += s.draft_framed_bytes;
  t.sum.rejection_payload_bytes += s.rejection_payload_bytes;
  t.sum.rejection_message_bytes += s.rejection_message_bytes;
  t.sum.rejection_framed_bytes += s.rejection_framed_bytes;
  t.sum.generated_tokens += s.generated_tokens;
  t.sum.accepted_tokens += s.accepted_tokens;
  t.sum.resample_requests += s.resample_requests;
  t.draft_tokens += s.sent_draft_tokens;
  t.rejections += s.rejections;
}

double Ratio(int64_t a, int64_t b) { return b > 0 ? static_cast<double>(a) / b : 0.0; }

}  // namespace

int main(int argc, char** argv) {
  tandem::base::ArgvStorage args(tandem::base::NormalizeFlagSpelling(argc, argv));
  absl::ParseCommandLine(args.argc(), args.argv());
  auto vocab_source = tandem::model::Tokenizer::FromDirectory(absl::GetFlag(FLAGS_draft));
  if (!vocab_source.ok()) {
    std::cerr << "error: " << vocab_source.status().message() << "\n";
    return 1;
  }
  const int vocab = (*vocab_source)->vocab_size();
  std::cout << absl::StrFormat(
      "vocab %d: a dense fp16 distribution is %d bytes\n"
      "%-13s %-5s %27s %27s %9s %9s\n",
      vocab, 2 * vocab, "mode", "zstd", "uplink B/drafted token", "downlink B/rejection", "accept",
      "resample");
  std::cout << absl::StrFormat("%-19s %27s %27s\n", "", "payload message framed",
                               "payload message framed");
  for (bool zstd : {true, false}) {
    tandem::cloud::CloudConfig config;
    config.compute_threads = absl::GetFlag(FLAGS_threads);
    config.zstd_min_bytes = zstd ? 64 : (int64_t{1} << 40);
    auto harness = tandem::bench::BenchHarness::Start(absl::GetFlag(FLAGS_draft),
                                                      absl::GetFlag(FLAGS_target), config);
    if (!harness.ok()) {
      std::cerr << "error: " << harness.status().message() << "\n";
      return 1;
    }
    for (v1::VerificationMode mode :
         {v1::VERIFICATION_MODE_EXACT, v1::VERIFICATION_MODE_SPARSE_DRAFT,
          v1::VERIFICATION_MODE_TOPK}) {
      tandem::edge::SpeculativeOptions options;
      options.verification = mode;
      options.decoding = tandem::edge::DecodingMode::kSync;
      options.sampling.temperature = absl::GetFlag(FLAGS_temperature);
      options.max_tokens = absl::GetFlag(FLAGS_max_tokens);
      options.draft_max = absl::GetFlag(FLAGS_draft_max);
      options.compression.min_bytes = zstd ? 64 : (size_t{1} << 40);
      Totals totals;
      for (size_t i = 0; i < kPrompts.size(); ++i) {
        options.seed = i + 1;
        auto stats = (*harness)->Generate((*harness)->cloud_port(), options, kPrompts[i]);
        if (!stats.ok()) {
          std::cerr << "error: " << stats.status().message() << "\n";
          return 1;
        }
        Accumulate(*stats, totals);
      }
      const auto& s = totals.sum;
      const std::string name = v1::VerificationMode_Name(mode).substr(18);
      std::cout << absl::StrFormat(
          "%-13s %-5s %8.2f %8.2f %8.2f   %8.1f %8.1f %8.1f %9.3f %9d\n", name, zstd ? "on" : "off",
          Ratio(s.draft_payload_bytes, totals.draft_tokens),
          Ratio(s.draft_message_bytes, totals.draft_tokens),
          Ratio(s.draft_framed_bytes, totals.draft_tokens),
          Ratio(s.rejection_payload_bytes, totals.rejections),
          Ratio(s.rejection_message_bytes, totals.rejections),
          Ratio(s.rejection_framed_bytes, totals.rejections),
          Ratio(s.accepted_tokens, totals.draft_tokens), s.resample_requests);
      // (sync decoding: every drafted token sent is verified)
      const nlohmann::json row = {
          {"bench", "protocol_bytes"},
          {"git_sha", absl::GetFlag(FLAGS_git_sha)},
          {"mode", name},
          {"zstd", zstd},
          {"temperature", absl::GetFlag(FLAGS_temperature)},
          {"draft_max", options.draft_max},
          {"prompts", kPrompts.size()},
          {"draft_tokens", totals.draft_tokens},
          {"rejections", totals.rejections},
          {"uplink_payload_per_draft_token", Ratio(s.draft_payload_bytes, totals.draft_tokens)},
          {"uplink_framed_per_draft_token", Ratio(s.draft_framed_bytes, totals.draft_tokens)},
          {"downlink_payload_per_rejection", Ratio(s.rejection_payload_bytes, totals.rejections)},
          {"downlink_framed_per_rejection", Ratio(s.rejection_framed_bytes, totals.rejections)},
          {"dense_fp16_bytes", 2 * vocab}};
      std::cerr << row.dump() << "\n";
    }
  }
  return 0;
}
