#include "edge/local_generator.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base/status_macros.h"
#include "common/model/compute_threads.h"
#include "common/spec/categorical.h"
#include "common/spec/counter_rng.h"
#include "common/spec/logits_warper.h"

namespace tandem::edge {

absl::Status GenerationOptions::Validate() const {
  if (max_tokens <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("max_tokens ", max_tokens, " must be positive"));
  }
  return sampling.Validate();
}

absl::StatusOr<std::vector<int32_t>> LocalGenerator::Generate(
    const GenerationOptions& options, const std::function<void(std::string_view)>& on_text,
    GenerationStats* stats) const {
  TANDEM_RETURN_IF_ERROR(options.Validate());
  TANDEM_ASSIGN_OR_RETURN(std::vector<int32_t> prompt,
                          tokenizer_.Encode(options.prompt, /*add_special_tokens=*/true));
  if (prompt.empty()) {
    return absl::InvalidArgumentError(
        "the prompt encodes to no tokens and the tokenizer adds no BOS; give a "
        "non-empty prompt");
  }
  const int64_t context = model_.config().max_position_embeddings;
  if (static_cast<int64_t>(prompt.size()) >= context) {
    return absl::InvalidArgumentError(absl::StrCat("the prompt has ", prompt.size(),
                                                   " tokens but the model's context is ", context,
                                                   "; shorten the prompt"));
  }
  absl::flat_hash_set<int32_t> stop_ids(options.extra_stop_ids.begin(),
                                        options.extra_stop_ids.end());
  if (options.stop_at_eos) {
    stop_ids.insert(model_.config().eos_token_ids.begin(), model_.config().eos_token_ids.end());
    if (tokenizer_.eos_id()) stop_ids.insert(*tokenizer_.eos_id());
  }
  const int64_t capacity =
      std::min<int64_t>(context, static_cast<int64_t>(prompt.size()) + options.max_tokens);
  TANDEM_ASSIGN_OR_RETURN(auto cache, model_.NewCache(capacity));

  GenerationStats local_stats;
  local_stats.decoding = "local";
  local_stats.prompt_tokens = static_cast<int64_t>(prompt.size());
  local_stats.stop_reason = "max_tokens";
  local_stats.threads = model::ComputeThreads();
  const absl::Time generation_start = absl::Now();
  const spec::CounterRng rng(options.seed);
  model::IncrementalDetokenizer detokenizer(tokenizer_);
  std::vector<int32_t> generated;
  std::vector<int32_t> next_input = prompt;
  while (static_cast<int64_t>(generated.size()) < options.max_tokens) {
    if (cache->length() + static_cast<int64_t>(next_input.size()) > capacity) {
      local_stats.stop_reason = "context_full";
      break;
    }
    TANDEM_ASSIGN_OR_RETURN(model::Logits logits,
                            model_.Forward(next_input, *cache, model::LogitRows::kLast));
    // The token sampled here lands at absolute position cache->length().
    const std::vector<float> probs = spec::WarpLogits(logits.Row(0), options.sampling);
    const int32_t token =
        options.sampling.greedy()
            ? spec::Argmax(probs)
            : spec::SampleCategorical(
                  probs, rng.Uniform(cache->length(), spec::RngPurpose::kTargetSample));
    if (stop_ids.contains(token)) {
      local_stats.stop_reason = "eos";
      break;
    }
    generated.push_back(token);
    local_stats.total_time = absl::Now() - generation_start;
    if (generated.size() == 1) local_stats.time_to_first_token = local_stats.total_time;
    if (on_text) on_text(detokenizer.Push(token));
    next_input = {token};
  }
  if (on_text) on_text(detokenizer.Flush());
  local_stats.generated_tokens = static_cast<int64_t>(generated.size());
  if (stats != nullptr) *stats = local_stats;
  return generated;
}

}  // namespace tandem::edge
