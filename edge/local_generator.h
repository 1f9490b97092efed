#ifndef TANDEM_EDGE_LOCAL_GENERATOR_H_
#define TANDEM_EDGE_LOCAL_GENERATOR_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/model/llama_model.h"
#include "common/model/tokenizer/incremental_detokenizer.h"
#include "common/model/tokenizer/tokenizer.h"
#include "common/spec/sampling_params.h"
#include "edge/generation_stats.h"

namespace tandem::edge {

struct GenerationOptions {
  std::string prompt;
  int64_t max_tokens = 128;             // new tokens at most
  spec::SamplingParams sampling;        // temperature 0 = greedy
  uint64_t seed = 0;                    // counter-based RNG seed
  bool stop_at_eos = true;              // stop at any EOS id of the model
  std::vector<int32_t> extra_stop_ids;  // e.g. BOS for llama2.c-style models

  absl::Status Validate() const;
};

// Plain autoregressive generation with one model: the edge-only and the
// target-only baselines, and the README's first main job. Text is streamed
// through `on_text` as soon as it is final (never half a UTF-8 character).
class LocalGenerator {
 public:
  LocalGenerator(const model::LlamaModel& model, const model::Tokenizer& tokenizer)
      : model_(model), tokenizer_(tokenizer) {}

  // Generated token ids (without the prompt) and timing. Errors: bad
  // options, prompt longer than the context, or a forward failure.
  absl::StatusOr<std::vector<int32_t>> Generate(
      const GenerationOptions& options, const std::function<void(std::string_view)>& on_text,
      GenerationStats* stats) const;

 private:
  const model::LlamaModel& model_;
  const model::Tokenizer& tokenizer_;
};

}  // namespace tandem::edge

#endif  // TANDEM_EDGE_LOCAL_GENERATOR_H_
