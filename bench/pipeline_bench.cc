// tandem-pipeline-bench: synchronous vs pipelined speculative decoding over
// an emulated link, measured in one run, next to the analytic prediction.
//
// For each RTT, tandem-cloud (in-process on 127.0.0.1:<free port>, or with
// --cloud_port in its own process: bench/pinned.sh) is reached through a
// tandem-linkem relay that adds RTT/2 each way; the edge runs the
// same prompts and seeds with each method. Every run reports measured
// throughput and the model's prediction (common/spec/pipeline_model.h) from
// that run's own alpha, draft time per token, verify time per chunk and RTT.
//
//   tandem-pipeline-bench [--rtts=10,50,100] [--temperature=0] [--csv=FILE]
//   bench/pinned.sh tandem-pipeline-bench [flags]   (cloud and edge on their own cores)

#include <algorithm>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/bench_harness.h"
#include "bench/linkem/link_model.h"
#include "bench/linkem/relay.h"
#include "common/base/flag_spelling.h"
#include "common/model/compute_threads.h"
#include "common/spec/pipeline_model.h"
#include "edge/speculative_client.h"
#include "edge/throughput_prediction.h"

ABSL_FLAG(std::string, draft, "deploy/models/tandem-draft", "Draft model directory.");
ABSL_FLAG(std::string, target, "deploy/models/tandem-target", "Target model directory.");
ABSL_FLAG(std::vector<std::string>, rtts, std::vector<std::string>({"10", "50", "100"}),
          "Emulated round-trip times in ms.");
ABSL_FLAG(double, temperature, 0.0, "Sampling temperature.");
ABSL_FLAG(int, max_tokens, 48, "Tokens per prompt.");
ABSL_FLAG(int, prompts, 4, "Prompts per configuration (from a fixed list).");
ABSL_FLAG(int, branch_length, 8, "Drafted tokens per correction branch (the +br rows).");
ABSL_FLAG(double, branch_min_score, 0.01, "Least estimated chance of a branch (the +br rows).");
ABSL_FLAG(bool, early_branches, true,
          "Grow branches between chunks while the cloud has work (the +br rows).");
ABSL_FLAG(std::vector<std::string>, methods, {},
          "Run only these methods, by their printed name (default: all).");
ABSL_FLAG(int, cloud_port, 0,
          "Use the tandem-cloud serving on 127.0.0.1:PORT (its own process) instead of an "
          "in-process one; bench/pinned.sh pins the two to their own cores.");
ABSL_FLAG(std::string, csv, "", "Append one CSV row per run here.");
ABSL_FLAG(std::string, git_sha, "", "Recorded in every row.");

namespace {

namespace v1 = ::tandem::v1;
using tandem::edge::DecodingMode;
using tandem::edge::GenerationStats;

struct Method {
  std::string name;
  DecodingMode decoding;
  int gamma;
  int draft_ahead;
  int branches = 0;  // correction branches per drafted token (pipelined)
};

// A configuration's runs pooled: the counters and times the analytic model
// reads (edge/throughput_prediction.h), summed, plus steady-state totals.
struct Totals {
  GenerationStats pooled;
  int64_t steady_tokens = 0;   // generated after each run's first token
  absl::Duration steady_time;  // time after each run's first token
};

absl::StatusOr<GenerationStats> RunOnce(const tandem::bench::BenchHarness& harness, int port,
                                        const Method& method, const std::string& prompt,
                                        uint64_t seed) {
  tandem::edge::SpeculativeOptions options;
  options.decoding = method.decoding;
  options.sampling.temperature = absl::GetFlag(FLAGS_temperature);
  options.seed = seed;
  options.max_tokens = absl::GetFlag(FLAGS_max_tokens);
  options.draft_max = method.gamma;
  options.draft_min = method.gamma;  // fixed chunks: the model's assumption
  options.draft_ahead = method.draft_ahead;
  options.adaptive = false;
  options.branches = method.branches;
  options.branch_length = absl::GetFlag(FLAGS_branch_length);
  options.branch_min_score = absl::GetFlag(FLAGS_branch_min_score);
  options.early_branches = absl::GetFlag(FLAGS_early_branches);
  return harness.Generate(port, options, prompt);
}

void Add(const GenerationStats& s, Totals& t) {
  GenerationStats& p = t.pooled;
  p.generated_tokens += s.generated_tokens;
  p.draft_tokens += s.draft_tokens;
  p.sent_draft_tokens += s.sent_draft_tokens;
  p.accepted_tokens += s.accepted_tokens;
  p.rejections += s.rejections;
  p.rounds += s.rounds;
  p.draft_time += s.draft_time;
  p.verify_time += s.verify_time;
  p.rtt_total += s.rtt_total;
  p.rtt_samples += s.rtt_samples;
  p.branches_sent += s.branches_sent;
  p.branches_taken += s.branches_taken;
  p.branch_draft_time += s.branch_draft_time;
  p.edge_wait_time += s.edge_wait_time;
  p.cloud_idle_time += s.cloud_idle_time;
  p.uplink_message_bytes += s.uplink_message_bytes;
  t.steady_tokens += s.generated_tokens - 1;
  t.steady_time += s.total_time - s.time_to_first_token;
}

// The model's prediction from what this configuration measured.
double Predict(const Method& m, const Totals& t) {
  if (m.decoding == DecodingMode::kCloudAr) return 0.0;
  return tandem::edge::PredictedTokensPerSecond(t.pooled, m.decoding == DecodingMode::kPipelined,
                                                m.gamma, m.draft_ahead);
}

}  // namespace

int main(int argc, char** argv) {
  tandem::base::ArgvStorage args(tandem::base::NormalizeFlagSpelling(argc, argv));
  absl::ParseCommandLine(args.argc(), args.argv());
  tandem::model::SetComputeThreads(1);  // edge and cloud: one core each
  tandem::cloud::CloudConfig cloud_config;
  cloud_config.compute_threads = 1;
  auto harness = tandem::bench::BenchHarness::StartOrAttach(
      absl::GetFlag(FLAGS_draft), absl::GetFlag(FLAGS_target), cloud_config,
      absl::GetFlag(FLAGS_cloud_port));
  if (!harness.ok()) {
    std::cerr << "error: " << harness.status().message() << "\n";
    return 1;
  }
  const std::vector<Method> methods = {{"sync g2", DecodingMode::kSync, 2, 2},
                                       {"sync g4", DecodingMode::kSync, 4, 4},
                                       {"sync g8", DecodingMode::kSync, 8, 8},
                                       {"pipe g1 D16", DecodingMode::kPipelined, 1, 16},
                                       {"pipe g2 D16", DecodingMode::kPipelined, 2, 16},
                                       {"pipe g4 D32", DecodingMode::kPipelined, 4, 32},
                                       {"pipe+br1 g2 D16", DecodingMode::kPipelined, 2, 16, 1},
                                       {"pipe+br1 g4 D32", DecodingMode::kPipelined, 4, 32, 1},
                                       {"pipe+br2 g4 D32", DecodingMode::kPipelined, 4, 32, 2},
                                       {"pipe+br3 g4 D32", DecodingMode::kPipelined, 4, 32, 3},
                                       {"pipe+br3 g2 D16", DecodingMode::kPipelined, 2, 16, 3},
                                       {"cloud AR", DecodingMode::kCloudAr, 1, 1}};
  std::ofstream csv;
  if (!absl::GetFlag(FLAGS_csv).empty()) csv.open(absl::GetFlag(FLAGS_csv), std::ios::app);
  std::cout << absl::StrFormat("%-7s %-16s %9s %9s %9s %7s %8s %8s %8s %9s %9s %9s %8s\n", "rtt_ms",
                               "method", "tok/s", "predicted", "meas/pred", "alpha", "t_d_ms",
                               "t_v_ms", "br_taken", "br_ms", "edge_wait", "cloud_idle",
                               "up_B/tok");
  for (const std::string& rtt_text : absl::GetFlag(FLAGS_rtts)) {
    double rtt_ms = 0;
    if (!absl::SimpleAtod(rtt_text, &rtt_ms)) {
      std::cerr << "error: --rtts: \"" << rtt_text << "\" is not a number of ms\n";
      return 2;
    }
    tandem::linkem::LinkModelSpec spec;
    spec.settings = absl::StrCat("delay_ms=", rtt_ms / 2);
    auto link = tandem::linkem::BuildLinkModel(spec);
    if (!link.ok()) {
      std::cerr << "error: " << link.status().message() << "\n";
      return 1;
    }
    tandem::linkem::RelayOptions relay_options;
    relay_options.connection.upstream_address =
        absl::StrCat("127.0.0.1:", (*harness)->cloud_port());
    auto relay = tandem::linkem::Relay::Create(relay_options, *link);
    if (!relay.ok()) {
      std::cerr << "error: " << relay.status().message() << "\n";
      return 1;
    }
    (*relay)->Start();
    double best_sync = 0, best_pipe = 0, cloud_ar = 0;
    for (const Method& method : methods) {
      const std::vector<std::string> only = absl::GetFlag(FLAGS_methods);
      if (!only.empty() && std::find(only.begin(), only.end(), method.name) == only.end()) {
        continue;
      }
      Totals totals;
      for (int p = 0; p < absl::GetFlag(FLAGS_prompts); ++p) {
        auto stats = RunOnce(
            **harness, (*relay)->port(), method,
            tandem::bench::BenchPrompts()[p % tandem::bench::BenchPrompts().size()], 100 + p);
        if (!stats.ok()) {
          std::cerr << "error: " << stats.status().message() << "\n";
          return 1;
        }
        Add(*stats, totals);
      }
      const double rate = totals.steady_tokens / absl::ToDoubleSeconds(totals.steady_time);
      const double predicted = Predict(method, totals);
      const tandem::spec::PipelineTimings measured = tandem::edge::MeasuredTimings(totals.pooled);
      const double alpha = measured.alpha;
      const double t_d_ms = measured.t_draft * 1e3;
      const double t_v_ms = measured.t_verify_fixed * 1e3;
      const GenerationStats& pooled = totals.pooled;
      const double taken_share =
          pooled.rejections > 0 ? static_cast<double>(pooled.branches_taken) / pooled.rejections
                                : 0.0;
      std::cout << absl::StrFormat(
          "%-7.0f %-16s %9.1f %9.1f %9.2f %7.3f %8.2f %8.2f %8.2f %9.1f %9.1f %9.1f %8.1f\n",
          rtt_ms, method.name, rate, predicted, predicted > 0 ? rate / predicted : 0.0, alpha,
          t_d_ms, t_v_ms, taken_share, absl::ToDoubleMilliseconds(pooled.branch_draft_time),
          absl::ToDoubleMilliseconds(pooled.edge_wait_time),
          absl::ToDoubleMilliseconds(pooled.cloud_idle_time),
          pooled.generated_tokens > 0
              ? static_cast<double>(pooled.uplink_message_bytes) / pooled.generated_tokens
              : 0.0);
      if (method.decoding == DecodingMode::kSync) best_sync = std::max(best_sync, rate);
      if (method.decoding == DecodingMode::kPipelined) best_pipe = std::max(best_pipe, rate);
      if (method.decoding == DecodingMode::kCloudAr) cloud_ar = rate;
      const nlohmann::json row = {{"bench", "pipeline"},
                                  {"git_sha", absl::GetFlag(FLAGS_git_sha)},
                                  {"rtt_ms", rtt_ms},
                                  {"method", method.name},
                                  {"gamma", method.gamma},
                                  {"draft_ahead", method.draft_ahead},
                                  {"temperature", absl::GetFlag(FLAGS_temperature)},
                                  {"tokens_per_s", rate},
                                  {"predicted_tokens_per_s", predicted},
                                  {"alpha", alpha},
                                  {"t_d_ms", t_d_ms},
                                  {"t_v_ms", t_v_ms},
                                  {"prompts", absl::GetFlag(FLAGS_prompts)},
                                  {"max_tokens", absl::GetFlag(FLAGS_max_tokens)},
                                  {"threads", 1}};
      std::cerr << row.dump() << "\n";
      if (csv.is_open()) {
        csv << absl::StrFormat("%s,%.0f,%s,%d,%d,%.2f,%.2f,%.2f,%.4f,%.3f,%.3f\n",
                               absl::GetFlag(FLAGS_git_sha), rtt_ms, method.name, method.gamma,
                               method.draft_ahead, absl::GetFlag(FLAGS_temperature), rate,
                               predicted, alpha, t_d_ms, t_v_ms);
      }
    }
    std::cout << absl::StrFormat(
        "rtt %.0f ms: best pipelined / best sync = %.2fx, best pipelined / cloud AR = %.2fx\n\n",
        rtt_ms, best_sync > 0 ? best_pipe / best_sync : 0.0,
        cloud_ar > 0 ? best_pipe / cloud_ar : 0.0);
    (*relay)->Shutdown();
  }
  return 0;
}
