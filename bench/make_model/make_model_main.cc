// tandem-make-model: writes tiny random Hugging Face model directories.
//
//   tandem-make-model --out=/tmp/m --arch=qwen3 --seed=1
//   tandem-make-model --out=/tmp/all --arch=all          # one dir per architecture
//   tandem-make-model --out=/tmp/big --preset=100m --dtype=bfloat16

#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "bench/make_model/random_model.h"
#include "common/base/file_util.h"

ABSL_FLAG(std::string, out, "", "Output directory (created if needed).");
ABSL_FLAG(std::string, arch, "llama",
          "llama, mistral, qwen2, qwen3, or all (one subdirectory each).");
ABSL_FLAG(std::string, preset, "tiny", "Size preset: tiny or 100m.");
ABSL_FLAG(int64_t, vocab, 0, "vocab_size (0 = preset's); >= 258.");
ABSL_FLAG(int64_t, hidden, 0, "hidden_size (0 = preset's).");
ABSL_FLAG(int64_t, intermediate, 0, "intermediate_size (0 = preset's).");
ABSL_FLAG(int64_t, layers, 0, "num_hidden_layers (0 = preset's).");
ABSL_FLAG(int64_t, heads, 0, "num_attention_heads (0 = preset's).");
ABSL_FLAG(int64_t, kv_heads, 0, "num_key_value_heads (0 = preset's).");
ABSL_FLAG(int64_t, head_dim, 0, "head_dim (0 = hidden / heads).");
ABSL_FLAG(bool, tie, false, "Tie the LM head to the embeddings.");
ABSL_FLAG(bool, llama3_rope, false, "Add Llama 3.1 rope_scaling.");
ABSL_FLAG(std::string, dtype, "float32", "Weights on disk: float32 or bfloat16.");
ABSL_FLAG(double, init_std, 0.02, "Standard deviation of the random weights.");
ABSL_FLAG(uint64_t, seed, 0, "Random seed; the same seed gives the same files.");

namespace {

using tandem::model::Architecture;

absl::StatusOr<std::vector<std::pair<std::string, Architecture>>> Architectures(
    const std::string& name) {
  const std::vector<std::pair<std::string, Architecture>> all = {
      {"llama", Architecture::kLlama},
      {"mistral", Architecture::kMistral},
      {"qwen2", Architecture::kQwen2},
      {"qwen3", Architecture::kQwen3}};
  if (name == "all") return all;
  for (const auto& entry : all) {
    if (entry.first == name) return std::vector{entry};
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--arch=", name, " is not known; use llama, mistral, qwen2, qwen3 or all"));
}

void Override(int64_t flag, int64_t& field) {
  if (flag != 0) field = flag;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Writes tiny random Hugging Face model directories.");
  absl::ParseCommandLine(argc, argv);
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) {
    std::cerr << "error: --out=DIR is required\n";
    return 2;
  }
  auto spec = tandem::tools::RandomModelPreset(absl::GetFlag(FLAGS_preset));
  auto archs = Architectures(absl::GetFlag(FLAGS_arch));
  if (!spec.ok() || !archs.ok()) {
    std::cerr << "error: " << (spec.ok() ? archs.status() : spec.status()).message() << "\n";
    return 2;
  }
  Override(absl::GetFlag(FLAGS_vocab), spec->vocab_size);
  Override(absl::GetFlag(FLAGS_hidden), spec->hidden_size);
  Override(absl::GetFlag(FLAGS_intermediate), spec->intermediate_size);
  Override(absl::GetFlag(FLAGS_layers), spec->num_hidden_layers);
  Override(absl::GetFlag(FLAGS_heads), spec->num_attention_heads);
  Override(absl::GetFlag(FLAGS_kv_heads), spec->num_key_value_heads);
  Override(absl::GetFlag(FLAGS_head_dim), spec->head_dim);
  spec->tie_word_embeddings = absl::GetFlag(FLAGS_tie);
  spec->llama3_rope_scaling = absl::GetFlag(FLAGS_llama3_rope);
  spec->dtype = absl::GetFlag(FLAGS_dtype);
  spec->init_std = absl::GetFlag(FLAGS_init_std);
  spec->seed = absl::GetFlag(FLAGS_seed);

  const bool many = archs->size() > 1;
  for (const auto& [name, arch] : *archs) {
    spec->architecture = arch;
    const std::string dir = many ? tandem::base::JoinPath(out, name) : out;
    if (absl::Status s = tandem::tools::WriteRandomModel(*spec, dir); !s.ok()) {
      std::cerr << "error: " << s.message() << "\n";
      return 1;
    }
    std::cout << "wrote " << dir << " (" << name << ", seed " << spec->seed << ")\n";
  }
  return 0;
}
