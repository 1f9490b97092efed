// tandem-acceptance-bench: how often the draft's tokens would be accepted by
// the target, measured with Tandem's own runtime on a text file.
//
// alpha(T) = E over positions of sum_x min(p_T(x), q_T(x)), where p_T and q_T
// are the target's and the draft's next-token distributions after the same
// warp (temperature T; T = 0 is greedy, where alpha is the rate of equal
// argmax). This is the expected acceptance rate of speculative sampling
// (Leviathan et al. 2023, Definition 3.1: beta = 1 - D_TV(p, q)).
//
//   tandem-acceptance-bench --draft=deploy/models/tandem-draft
//       --target=deploy/models/tandem-target --text-file=VALIDATION.txt
//
// Also prints each model's perplexity on the same tokens.

#include <algorithm>
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "common/base/file_util.h"
#include "common/base/flag_spelling.h"
#include "common/model/compute_threads.h"
#include "common/model/llama_model.h"
#include "common/model/tokenizer/tokenizer.h"
#include "common/spec/logits_warper.h"

ABSL_FLAG(std::string, draft, "deploy/models/tandem-draft", "Draft model directory.");
ABSL_FLAG(std::string, target, "deploy/models/tandem-target", "Target model directory.");
ABSL_FLAG(std::string, text_file, "",
          "Text to evaluate on (tokenized with the target's tokenizer).");
ABSL_FLAG(std::vector<std::string>, temperatures, std::vector<std::string>({"0", "0.7", "1.0"}),
          "Temperatures to report.");
ABSL_FLAG(int, window, 256, "Tokens per evaluation window (BOS + window - 1 text tokens).");
ABSL_FLAG(int, max_windows, 40, "Windows evaluated at most.");
ABSL_FLAG(int, threads, 1, "Compute threads.");

namespace {

using tandem::model::LlamaModel;
using tandem::model::Logits;

// Log-softmax probability of `id` under `row` (temperature 1, no filters).
double LogProb(absl::Span<const float> row, int32_t id) {
  const float max = *std::max_element(row.begin(), row.end());
  double total = 0;
  for (float v : row) total += std::exp(double{v} - max);
  return double{row[id]} - max - std::log(total);
}

absl::StatusOr<std::unique_ptr<LlamaModel>> Load(const std::string& dir) {
  tandem::model::LlamaModelOptions options;
  options.model_dir = dir;
  return LlamaModel::Load(options);
}

absl::StatusOr<Logits> Run(const LlamaModel& model, absl::Span<const int32_t> ids) {
  auto cache = model.NewCache(static_cast<int64_t>(ids.size()));
  if (!cache.ok()) return cache.status();
  return model.Forward(ids, **cache);
}

}  // namespace

int main(int argc, char** argv) {
  tandem::base::ArgvStorage args(tandem::base::NormalizeFlagSpelling(argc, argv));
  absl::ParseCommandLine(args.argc(), args.argv());
  tandem::model::SetComputeThreads(absl::GetFlag(FLAGS_threads));
  std::vector<double> temperatures;
  for (const std::string& t : absl::GetFlag(FLAGS_temperatures)) {
    double value;
    if (!absl::SimpleAtod(t, &value) || value < 0) {
      std::cerr << "error: --temperatures: \"" << t << "\" is not a temperature >= 0\n";
      return 2;
    }
    temperatures.push_back(value);
  }
  auto text = tandem::base::ReadFileToString(absl::GetFlag(FLAGS_text_file));
  auto draft = Load(absl::GetFlag(FLAGS_draft));
  auto target = Load(absl::GetFlag(FLAGS_target));
  auto tokenizer = tandem::model::Tokenizer::FromDirectory(absl::GetFlag(FLAGS_target));
  for (const absl::Status& s :
       {text.status(), draft.status(), target.status(), tokenizer.status()}) {
    if (!s.ok()) {
      std::cerr << "error: " << s.message() << "\n";
      return 1;
    }
  }
  auto ids = (*tokenizer)->Encode(*text, /*add_special_tokens=*/false);
  if (!ids.ok()) {
    std::cerr << "error: " << ids.status().message() << "\n";
    return 1;
  }
  const int window = absl::GetFlag(FLAGS_window);
  const std::optional<int32_t> bos = (*tokenizer)->bos_id();
  std::vector<double> alpha_sum(temperatures.size(), 0.0);
  double nll_draft = 0, nll_target = 0;
  int64_t positions = 0;
  int windows = 0;
  for (size_t start = 0;
       start + window <= ids->size() && windows < absl::GetFlag(FLAGS_max_windows);
       start += window - 1, ++windows) {
    std::vector<int32_t> input;
    if (bos) input.push_back(*bos);
    input.insert(input.end(), ids->begin() + start, ids->begin() + start + window - (bos ? 1 : 0));
    auto p = Run(**target, input);
    auto q = Run(**draft, input);
    if (!p.ok() || !q.ok()) {
      std::cerr << "error: " << (p.ok() ? q.status() : p.status()).message() << "\n";
      return 1;
    }
    // Row i predicts input[i + 1].
    for (size_t i = 0; i + 1 < input.size(); ++i) {
      nll_target -= LogProb(p->Row(i), input[i + 1]);
      nll_draft -= LogProb(q->Row(i), input[i + 1]);
      for (size_t t = 0; t < temperatures.size(); ++t) {
        tandem::spec::SamplingParams params;
        params.temperature = temperatures[t];
        const std::vector<float> pt = tandem::spec::WarpLogits(p->Row(i), params);
        const std::vector<float> qt = tandem::spec::WarpLogits(q->Row(i), params);
        double overlap = 0;
        for (size_t x = 0; x < pt.size() && x < qt.size(); ++x) overlap += std::min(pt[x], qt[x]);
        alpha_sum[t] += overlap;
      }
      ++positions;
    }
  }
  if (positions == 0) {
    std::cerr << "error: the text has fewer than --window=" << window << " tokens\n";
    return 1;
  }
  nlohmann::json row = {{"bench", "acceptance"},
                        {"draft", absl::GetFlag(FLAGS_draft)},
                        {"target", absl::GetFlag(FLAGS_target)},
                        {"text_file", absl::GetFlag(FLAGS_text_file)},
                        {"positions", positions},
                        {"draft_ppl", std::exp(nll_draft / positions)},
                        {"target_ppl", std::exp(nll_target / positions)}};
  std::cout << absl::StrFormat("positions %d  target ppl %.2f  draft ppl %.2f\n", positions,
                               std::exp(nll_target / positions), std::exp(nll_draft / positions));
  for (size_t t = 0; t < temperatures.size(); ++t) {
    const double alpha = alpha_sum[t] / positions;
    std::cout << absl::StrFormat("alpha at temperature %.2f: %.4f\n", temperatures[t], alpha);
    row[absl::StrFormat("alpha_t%.2f", temperatures[t])] = alpha;
  }
  std::cerr << row.dump() << "\n";
  return 0;
}
