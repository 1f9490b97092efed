// tandem-model-step-bench: milliseconds per decode step (1 token) and per
// verify step (8 tokens) for a model, next to the memory-bandwidth roofline
// (weight bytes / measured copy bandwidth): a decode step must stream every
// weight once, so it cannot beat that time.
//
//   tandem-model-step-bench --model=DIR [--dtype=float32,bfloat16] [--threads=1]
//   tandem-model-step-bench --random=100m            # writes a random model first
//
// Prints a table and one JSON line per (model, dtype) with the resolved config.

#include <sys/utsname.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_format.h"
#include "bench/make_model/random_model.h"
#include "common/base/file_util.h"
#include "common/base/flag_spelling.h"
#include "common/model/compute_threads.h"
#include "common/model/llama_model.h"

ABSL_FLAG(std::string, model, "", "Model directory to measure.");
ABSL_FLAG(std::string, random, "",
          "Instead of --model: write a random model of this preset (tiny, 100m) "
          "to --scratch and measure it.");
ABSL_FLAG(std::string, scratch, "/tmp/tandem-bench-model", "Where --random writes.");
ABSL_FLAG(std::vector<std::string>, dtype, std::vector<std::string>({"float32", "bfloat16"}),
          "Compute dtypes to measure.");
ABSL_FLAG(int, threads, 1, "Compute threads (pin to one core on a 2-core machine).");
ABSL_FLAG(int, context, 128, "Tokens already in the KV cache when stepping.");
ABSL_FLAG(int, verify_tokens, 8, "Tokens per verify step.");
ABSL_FLAG(int, repeats, 20, "Timed steps per measurement (median reported).");
ABSL_FLAG(std::string, git_sha, "", "Recorded in the JSON row.");

namespace {

using Clock = std::chrono::steady_clock;

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Best-of-5 memcpy bandwidth over a 256 MiB buffer, in bytes per second.
// A decode step reads the weights once; memcpy reads and writes, so count
// both directions, which is what a streaming read can achieve at best.
double MeasureCopyBandwidth() {
  const size_t bytes = size_t{256} << 20;
  std::vector<char> src(bytes, 1), dst(bytes, 0);
  double best = 0;
  for (int i = 0; i < 5; ++i) {
    const auto start = Clock::now();
    std::memcpy(dst.data(), src.data(), bytes);
    const double s = std::chrono::duration<double>(Clock::now() - start).count();
    best = std::max(best, 2.0 * bytes / s);
    src[i] = dst[bytes - 1 - i];  // keep the copies observable
  }
  return best;
}

// Median milliseconds of one Forward of `n` tokens on a cache holding
// `context` tokens; the cache is truncated back after each step.
double TimeStep(const tandem::model::LlamaModel& model, int context, int n, int repeats) {
  auto cache = model.NewCache(context + n);
  if (!cache.ok()) return -1;
  std::vector<int32_t> prompt(context), step(n);
  std::iota(prompt.begin(), prompt.end(), 3);
  std::iota(step.begin(), step.end(), 5);
  if (!model.Forward(prompt, **cache, tandem::model::LogitRows::kLast).ok()) return -1;
  std::vector<double> ms;
  for (int i = 0; i < repeats + 2; ++i) {
    const auto start = Clock::now();
    auto logits = model.Forward(step, **cache);
    const double elapsed = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (!logits.ok() || !(*cache)->Truncate(context).ok()) return -1;
    if (i >= 2) ms.push_back(elapsed);  // first two are warm-up
  }
  return Median(ms);
}

std::string CpuName() {
  auto info = tandem::base::ReadFileToString("/proc/cpuinfo");
  if (!info.ok()) return "unknown";
  const size_t at = info->find("model name");
  if (at == std::string::npos) return "unknown";
  const size_t colon = info->find(':', at), end = info->find('\n', at);
  return info->substr(colon + 2, end - colon - 2);
}

}  // namespace

int main(int argc, char** argv) {
  tandem::base::ArgvStorage args(tandem::base::NormalizeFlagSpelling(argc, argv));
  absl::ParseCommandLine(args.argc(), args.argv());
  std::string model_dir = absl::GetFlag(FLAGS_model);
  if (const std::string preset = absl::GetFlag(FLAGS_random); !preset.empty()) {
    auto spec = tandem::tools::RandomModelPreset(preset);
    if (!spec.ok()) {
      std::cerr << "error: " << spec.status().message() << "\n";
      return 2;
    }
    model_dir = absl::GetFlag(FLAGS_scratch) + "-" + preset;
    if (auto s = tandem::tools::WriteRandomModel(*spec, model_dir); !s.ok()) {
      std::cerr << "error: " << s.message() << "\n";
      return 1;
    }
  }
  if (model_dir.empty()) {
    std::cerr << "error: give --model=DIR or --random=PRESET\n";
    return 2;
  }
  const int threads = absl::GetFlag(FLAGS_threads);
  tandem::model::SetComputeThreads(threads);
  const double bandwidth = MeasureCopyBandwidth();
  const int context = absl::GetFlag(FLAGS_context);
  const int verify = absl::GetFlag(FLAGS_verify_tokens);
  const int repeats = absl::GetFlag(FLAGS_repeats);
  std::cout << absl::StrFormat("cpu: %s, threads: %d, copy bandwidth: %.2f GB/s\n", CpuName(),
                               tandem::model::ComputeThreads(), bandwidth / 1e9);
  std::cout << absl::StrFormat("%-36s %-9s %9s %9s %11s %11s %9s\n", "model", "dtype", "params(M)",
                               "weights", "decode(ms)", "verify(ms)", "roofline");
  for (const std::string& dtype : absl::GetFlag(FLAGS_dtype)) {
    tandem::model::LlamaModelOptions options;
    options.model_dir = model_dir;
    options.dtype = dtype;
    auto model = tandem::model::LlamaModel::Load(options);
    if (!model.ok()) {
      std::cerr << "error: " << model.status().message() << "\n";
      return 1;
    }
    const double decode_ms = TimeStep(**model, context, 1, repeats);
    const double verify_ms = TimeStep(**model, context, verify, repeats);
    const double weight_mb = (*model)->weight_bytes() / 1e6;
    const double roofline_ms = (*model)->weight_bytes() / bandwidth * 1e3;
    std::cout << absl::StrFormat("%-36s %-9s %9.1f %7.1fMB %11.3f %11.3f %7.3fms\n", model_dir,
                                 dtype, (*model)->config().ParameterCount() / 1e6, weight_mb,
                                 decode_ms, verify_ms, roofline_ms);
    const nlohmann::json row = {{"bench", "model_step"},
                                {"git_sha", absl::GetFlag(FLAGS_git_sha)},
                                {"model", model_dir},
                                {"dtype", dtype},
                                {"params", (*model)->config().ParameterCount()},
                                {"weight_bytes", (*model)->weight_bytes()},
                                {"threads", tandem::model::ComputeThreads()},
                                {"context", context},
                                {"verify_tokens", verify},
                                {"repeats", repeats},
                                {"decode_ms", decode_ms},
                                {"verify_ms", verify_ms},
                                {"copy_bandwidth_gbs", bandwidth / 1e9},
                                {"roofline_ms", roofline_ms},
                                {"decode_over_roofline", decode_ms / roofline_ms},
                                {"cpu", CpuName()}};
    std::cerr << row.dump() << "\n";
  }
  return 0;
}
