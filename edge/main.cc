// tandem-edge: the edge side of Tandem.
//
//   tandem-edge generate --model DRAFT_DIR --cloud HOST:PORT --prompt "..."
//       Speculative decoding against tandem-cloud: the asynchronous pipeline
//       (--decoding pipelined, the default) or one chunk at a time
//       (--decoding sync); or cloud-only autoregressive decoding
//       (--decoding cloud).
//       --mode exact|sparse-draft|topk picks the verification mode.
//   tandem-edge generate --local --model DIR --prompt "..."
//       Runs one model alone on this machine (the edge-only / target-only
//       baseline).
// Text streams to stdout as it is committed; the stats block goes to stderr
// (or, with --json, one JSON object with text and stats goes to stdout).
//
// Flags follow llama.cpp's spelling (--max-tokens, --top-k, ...).

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "common/base/file_util.h"
#include "common/base/flag_spelling.h"
#include "common/model/compute_threads.h"
#include "common/model/llama_model.h"
#include "common/model/model_config.h"
#include "common/model/tokenizer/tokenizer.h"
#include "edge/grpc_verifier_transport.h"
#include "edge/local_generator.h"
#include "edge/speculative_client.h"

ABSL_FLAG(bool, local, false, "Generate with --model alone on this machine (no cloud).");
ABSL_FLAG(std::string, model, "", "Hugging Face model directory.");
ABSL_FLAG(std::string, prompt, "", "Prompt text.");
ABSL_FLAG(std::string, prompt_file, "", "Read the prompt from this file.");
ABSL_FLAG(int64_t, max_tokens, 128, "Maximum new tokens.");
ABSL_FLAG(double, temperature, 0.0, "Sampling temperature; 0 = greedy.");
ABSL_FLAG(int64_t, top_k, 0, "Top-k filter; 0 = off.");
ABSL_FLAG(double, top_p, 1.0, "Top-p (nucleus) filter; 1 = off.");
ABSL_FLAG(double, min_p, 0.0, "Min-p filter; 0 = off.");
ABSL_FLAG(uint64_t, seed, 0, "Seed of the counter-based sampler.");
ABSL_FLAG(std::string, dtype, "float32", "Compute dtype: float32 or bfloat16.");
ABSL_FLAG(std::string, device, "cpu", "cpu or cuda[:N] (CUDA builds of libtorch).");
ABSL_FLAG(int, threads, 0, "Compute threads (0 = libtorch default).");
ABSL_FLAG(bool, json, false,
          "Print one JSON object (text and stats) to stdout instead of streaming.");
ABSL_FLAG(std::vector<std::string>, stop_ids, {},
          "Extra token ids that end generation, comma-separated (--local).");
ABSL_FLAG(std::string, cloud, "", "tandem-cloud address HOST:PORT.");
ABSL_FLAG(std::string, decoding, "pipelined",
          "pipelined (speculative, drafting continues while chunks are verified), sync "
          "(speculative, one chunk in flight), cloud (cloud-only AR), or edge (draft model "
          "alone, like --local).");
ABSL_FLAG(std::string, mode, "exact", "Verification mode: exact, sparse-draft or topk.");
ABSL_FLAG(int, draft_max, 8,
          "Most tokens drafted per chunk (gamma in sync mode; the adaptive upper bound).");
ABSL_FLAG(int, draft_min, 1,
          "Shortest chunk: pipelined mode cuts a chunk this short when the cloud would idle.");
ABSL_FLAG(int, draft_ahead, 32,
          "Pipelined: most drafted tokens beyond the last verdict (D, >= --draft-max).");
ABSL_FLAG(bool, adaptive, true,
          "Pipelined: choose the chunk size and D from the measured channel within "
          "[--draft-min, --draft-max] and --draft-ahead; false = fixed --draft-max.");
ABSL_FLAG(double, draft_p_min, 0.0,
          "Pipelined: end a chunk at a draft token whose draft probability is below this, "
          "and wait for its verdict before drafting on (0 = off).");
ABSL_FLAG(int, branches, 3,
          "Pipelined, greedy or sparse-draft: correction branches per drafted token, rooted at "
          "the draft's next most likely tokens and drafted while the edge would wait; a "
          "rejection whose correction matches one continues without a round trip (0 = off).");
ABSL_FLAG(int, branch_length, 8, "Drafted tokens per correction branch.");
ABSL_FLAG(std::string, branch_queue_target, "auto",
          "Hold a correction branch back if the uplink queue it would join, itself included, is "
          "predicted to take longer than this to drain, while the uplink is measured to be the "
          "bottleneck (on an uplink below ~200 kbit/s branches delay the main path); inf: never; "
          "auto: 30ms with --adaptive, inf without.");
ABSL_FLAG(int, branches_before_uplink_measured, -1,
          "With a finite --branch-queue-target: correction branches sent before two verdicts "
          "have measured the uplink (e.g. 3 on a link known to be thin); -1: no count, "
          "--assumed-uplink-kbps decides.");
ABSL_FLAG(double, assumed_uplink_kbps, 64,
          "With a finite --branch-queue-target and no --branches-before-uplink-measured: the "
          "uplink rate assumed before two verdicts have measured it; branches beyond what it "
          "drains within the target wait (0: assume nothing, send every branch).");
ABSL_FLAG(bool, early_branches, true,
          "Grow correction branches between chunks while the chunks in flight keep the cloud "
          "busy, not only when the draft-ahead limit makes the edge wait.");
ABSL_FLAG(bool, send_before_opened, true,
          "Pipelined: send the first chunks (at most 8 drafted tokens each, up to D) right "
          "behind Open instead of waiting a round trip for Opened. Set false for a cloud whose "
          "--max-draft-tokens is below 8.");
ABSL_FLAG(double, branch_min_score, 0.01,
          "Draft a correction branch only if its estimated chance of being taken "
          "(alpha^k times the draft's probability of its root) is at least this.");
ABSL_FLAG(int, residual_candidates, 8, "exact mode: residual candidates per batch (m).");
ABSL_FLAG(int, top_k_return, 16, "topk mode: K entries of p sent on rejection.");
ABSL_FLAG(int, sparse_top_k, 8, "sparse-draft mode: support of the uploaded q^.");
ABSL_FLAG(int, zstd_level, 3, "zstd level for payloads that pay to compress.");
ABSL_FLAG(int64_t, zstd_min_bytes, 64, "Payloads smaller than this are never compressed.");
ABSL_FLAG(std::string, emulate_forward, "",
          "Benchmarks: pad each draft forward over n tokens to FIXED + n * PER_TOKEN, e.g. "
          "10ms, to stand for a larger draft on a slower device (default: off).");
ABSL_FLAG(std::string, trace_file, "",
          "Pipelined: write one JSON line per verdict here (the controller's setting, its "
          "estimates, the uplink's state; docs/operations.md).");
ABSL_FLAG(absl::Duration, connect_timeout, absl::Seconds(10), "How long to wait for the cloud.");

namespace {

using tandem::edge::GenerationOptions;
using tandem::edge::GenerationStats;

absl::StatusOr<std::string> ReadPrompt() {
  const std::string file = absl::GetFlag(FLAGS_prompt_file);
  if (!file.empty()) return tandem::base::ReadFileToString(file);
  return absl::GetFlag(FLAGS_prompt);
}

absl::StatusOr<GenerationOptions> OptionsFromFlags(const std::string& model_dir) {
  GenerationOptions options;
  auto prompt = ReadPrompt();
  if (!prompt.ok()) return prompt.status();
  options.prompt = *prompt;
  options.max_tokens = absl::GetFlag(FLAGS_max_tokens);
  options.sampling.temperature = absl::GetFlag(FLAGS_temperature);
  options.sampling.top_k = absl::GetFlag(FLAGS_top_k);
  options.sampling.top_p = absl::GetFlag(FLAGS_top_p);
  options.sampling.min_p = absl::GetFlag(FLAGS_min_p);
  options.seed = absl::GetFlag(FLAGS_seed);
  for (const std::string& id : absl::GetFlag(FLAGS_stop_ids)) {
    int32_t value;
    if (!absl::SimpleAtoi(id, &value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--stop-ids: \"", id, "\" is not an integer token id"));
    }
    options.extra_stop_ids.push_back(value);
  }
  auto generation_config = tandem::model::LoadGenerationConfig(model_dir);
  if (!generation_config.ok()) return generation_config.status();
  for (int32_t id : generation_config->eos_token_ids) options.extra_stop_ids.push_back(id);
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  return options;
}

// Where generated text goes: streamed to stdout as it is committed, or,
// with --json, collected and printed with the stats as one JSON object.
class TextOutput {
 public:
  explicit TextOutput(bool json) : json_(json) {}
  void Begin(const std::string& prompt) {
    if (!json_) std::cout << prompt << std::flush;
  }
  std::function<void(std::string_view)> Sink() {
    return [this](std::string_view piece) {
      if (json_) {
        text_ += piece;
      } else {
        std::cout << piece << std::flush;
      }
    };
  }
  // `header` goes before the stats block in text mode.
  void Finish(const GenerationStats& stats, const std::string& header = "") {
    if (json_) {
      nlohmann::json out = nlohmann::json::parse(stats.ToJson());
      out["text"] = text_;
      std::cout << out.dump() << "\n";
    } else {
      std::cout << "\n";
      std::cerr << "\n" << header << stats.ToText();
    }
  }

 private:
  const bool json_;
  std::string text_;
};

std::string ModelLine(const tandem::model::LlamaModel& model) {
  return absl::StrFormat("model %s (%s, %.1fM params, %s)\n", model.options().model_dir,
                         tandem::model::ArchitectureName(model.config().architecture),
                         model.config().ParameterCount() / 1e6, model.options().dtype);
}

// The draft model's load options from --model, --dtype, --device and
// --emulate-forward.
absl::StatusOr<tandem::model::LlamaModelOptions> DraftModelOptionsFromFlags() {
  tandem::model::LlamaModelOptions options;
  options.model_dir = absl::GetFlag(FLAGS_model);
  options.dtype = absl::GetFlag(FLAGS_dtype);
  options.device = absl::GetFlag(FLAGS_device);
  auto emulated_cost =
      tandem::model::EmulatedForwardCost::Parse(absl::GetFlag(FLAGS_emulate_forward));
  if (!emulated_cost.ok()) return emulated_cost.status();
  options.emulated_cost = *emulated_cost;
  return options;
}

int RunLocalGenerate() {
  const std::string model_dir = absl::GetFlag(FLAGS_model);
  auto options = OptionsFromFlags(model_dir);
  if (!options.ok()) {
    std::cerr << "error: " << options.status().message() << "\n";
    return 2;
  }
  tandem::model::SetComputeThreads(absl::GetFlag(FLAGS_threads));
  auto model_options = DraftModelOptionsFromFlags();
  if (!model_options.ok()) {
    std::cerr << "error: " << model_options.status().message() << "\n";
    return 2;
  }
  auto model = tandem::model::LlamaModel::Load(*model_options);
  if (!model.ok()) {
    std::cerr << "error: " << model.status().message() << "\n";
    return 1;
  }
  auto tokenizer = tandem::model::Tokenizer::FromDirectory(model_dir);
  if (!tokenizer.ok()) {
    std::cerr << "error: " << tokenizer.status().message() << "\n";
    return 1;
  }
  TextOutput output(absl::GetFlag(FLAGS_json));
  output.Begin(options->prompt);
  GenerationStats stats;
  tandem::edge::LocalGenerator generator(**model, **tokenizer);
  auto generated = generator.Generate(*options, output.Sink(), &stats);
  if (!generated.ok()) {
    std::cerr << "\nerror: " << generated.status().message() << "\n";
    return 1;
  }
  output.Finish(stats, ModelLine(**model));
  return 0;
}

absl::StatusOr<tandem::v1::VerificationMode> ParseMode(const std::string& name) {
  if (name == "exact") return tandem::v1::VERIFICATION_MODE_EXACT;
  if (name == "sparse-draft") return tandem::v1::VERIFICATION_MODE_SPARSE_DRAFT;
  if (name == "topk") return tandem::v1::VERIFICATION_MODE_TOPK;
  return absl::InvalidArgumentError(
      absl::StrCat("--mode=", name, ": use exact, sparse-draft or topk"));
}

absl::StatusOr<tandem::edge::SpeculativeOptions> SpeculativeOptionsFromFlags() {
  tandem::edge::SpeculativeOptions options;
  const std::string decoding = absl::GetFlag(FLAGS_decoding);
  if (decoding == "pipelined") {
    options.decoding = tandem::edge::DecodingMode::kPipelined;
  } else if (decoding == "sync") {
    options.decoding = tandem::edge::DecodingMode::kSync;
  } else if (decoding == "cloud") {
    options.decoding = tandem::edge::DecodingMode::kCloudAr;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("--decoding=", decoding, ": use pipelined, sync, cloud or edge"));
  }
  auto mode = ParseMode(absl::GetFlag(FLAGS_mode));
  if (!mode.ok()) return mode.status();
  options.verification = *mode;
  options.sampling.temperature = absl::GetFlag(FLAGS_temperature);
  options.sampling.top_k = absl::GetFlag(FLAGS_top_k);
  options.sampling.top_p = absl::GetFlag(FLAGS_top_p);
  options.sampling.min_p = absl::GetFlag(FLAGS_min_p);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.max_tokens = absl::GetFlag(FLAGS_max_tokens);
  options.draft_max = absl::GetFlag(FLAGS_draft_max);
  options.draft_min = absl::GetFlag(FLAGS_draft_min);
  options.draft_ahead = std::max(absl::GetFlag(FLAGS_draft_ahead), options.draft_max);
  options.adaptive = absl::GetFlag(FLAGS_adaptive);
  options.draft_p_min = absl::GetFlag(FLAGS_draft_p_min);
  options.branches = absl::GetFlag(FLAGS_branches);
  options.branch_length = absl::GetFlag(FLAGS_branch_length);
  options.early_branches = absl::GetFlag(FLAGS_early_branches);
  options.send_before_opened = absl::GetFlag(FLAGS_send_before_opened);
  if (const std::string target = absl::GetFlag(FLAGS_branch_queue_target); target != "auto") {
    absl::Duration parsed;
    if (!absl::ParseDuration(target, &parsed)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--branch-queue-target: \"", target, "\" is not a duration (e.g. 10ms), inf or auto"));
    }
    options.branch_queue_target = parsed;
  }
  options.branches_before_uplink_measured = absl::GetFlag(FLAGS_branches_before_uplink_measured);
  options.assumed_uplink_kbps = absl::GetFlag(FLAGS_assumed_uplink_kbps);
  options.branch_min_score = absl::GetFlag(FLAGS_branch_min_score);
  options.residual_candidates = absl::GetFlag(FLAGS_residual_candidates);
  options.top_k_return = absl::GetFlag(FLAGS_top_k_return);
  options.sparse_top_k = absl::GetFlag(FLAGS_sparse_top_k);
  options.compression.level = absl::GetFlag(FLAGS_zstd_level);
  options.compression.min_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_zstd_min_bytes));
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  return options;
}

int Fail(const absl::Status& status, int code) {
  std::cerr << "error: " << status.message() << "\n";
  return code;
}

int RunCloudGenerate() {
  auto options = SpeculativeOptionsFromFlags();
  if (!options.ok()) return Fail(options.status(), 2);
  // The trace file is opened first, so that a bad path fails before the
  // model loads; lines are flushed as written (a trace is read
  // to see what happened, also when the generation fails).
  std::ofstream trace;
  if (const std::string path = absl::GetFlag(FLAGS_trace_file); !path.empty()) {
    if (options->decoding != tandem::edge::DecodingMode::kPipelined) {
      return Fail(absl::InvalidArgumentError(
                      "--trace-file records the pipelined decoding's verdicts: drop it, or "
                      "use --decoding=pipelined"),
                  2);
    }
    trace.open(path, std::ios::out | std::ios::trunc);
    if (!trace) {
      return Fail(absl::InvalidArgumentError(absl::StrCat("--trace-file: cannot open ", path,
                                                          " for writing; pass a writable path")),
                  2);
    }
    options->on_verdict = [&trace](const tandem::edge::VerdictTraceRecord& record) {
      trace << record.ToJsonLine() << std::endl;
    };
  }
  auto prompt = ReadPrompt();
  if (!prompt.ok()) return Fail(prompt.status(), 2);
  const std::string model_dir = absl::GetFlag(FLAGS_model);
  if (model_dir.empty()) {
    return Fail(
        absl::InvalidArgumentError("--model DIR is required: the draft model (and its tokenizer)"),
        2);
  }
  tandem::model::SetComputeThreads(absl::GetFlag(FLAGS_threads));
  auto tokenizer = tandem::model::Tokenizer::FromDirectory(model_dir);
  if (!tokenizer.ok()) return Fail(tokenizer.status(), 1);
  std::unique_ptr<tandem::model::LlamaModel> draft;
  if (options->decoding != tandem::edge::DecodingMode::kCloudAr) {
    auto model_options = DraftModelOptionsFromFlags();
    if (!model_options.ok()) return Fail(model_options.status(), 2);
    auto loaded = tandem::model::LlamaModel::Load(*model_options);
    if (!loaded.ok()) return Fail(loaded.status(), 1);
    draft = std::move(*loaded);
  }
  tandem::edge::GrpcVerifierTransport::Options transport_options;
  transport_options.address = absl::GetFlag(FLAGS_cloud);
  transport_options.connect_timeout = absl::GetFlag(FLAGS_connect_timeout);
  auto transport = tandem::edge::GrpcVerifierTransport::Connect(transport_options);
  if (!transport.ok()) return Fail(transport.status(), 1);

  TextOutput output(absl::GetFlag(FLAGS_json));
  output.Begin(*prompt);
  tandem::edge::SpeculativeClient client(draft.get(), **tokenizer, **transport, *options);
  tandem::edge::GenerationStats stats;
  auto generated = client.Generate(*prompt, output.Sink(), &stats);
  if (!generated.ok()) {
    std::cerr << "\n";
    return Fail(generated.status(), 1);
  }
  output.Finish(stats);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("tandem-edge generate --local --model DIR --prompt TEXT [flags]");
  tandem::base::ArgvStorage args(tandem::base::NormalizeFlagSpelling(argc, argv));
  std::vector<char*> positional = absl::ParseCommandLine(args.argc(), args.argv());
  if (positional.size() < 2 || std::string(positional[1]) != "generate") {
    std::cerr << "usage: " << absl::ProgramUsageMessage() << "\n";
    return 2;
  }
  if (absl::GetFlag(FLAGS_local) || absl::GetFlag(FLAGS_decoding) == "edge") {
    if (!absl::GetFlag(FLAGS_trace_file).empty()) {
      std::cerr << "error: --trace-file records the verdicts of decoding against a cloud; drop "
                   "it with --local\n";
      return 2;
    }
    return RunLocalGenerate();
  }
  if (absl::GetFlag(FLAGS_cloud).empty()) {
    std::cerr << "error: give --cloud HOST:PORT (tandem-cloud), or --local to run --model "
                 "alone on this machine\n";
    return 2;
  }
  return RunCloudGenerate();
}
