#include "cloud/cloud_config.h"

#include "absl/strings/str_cat.h"
#include "common/wire/protocol_version.h"

namespace tandem::cloud {
namespace {

absl::Status Positive(const char* flag, int64_t value) {
  if (value > 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("--", flag, "=", value, " must be positive"));
}

}  // namespace

absl::Status CloudConfig::Validate() const {
  if (model_dir.empty()) {
    return absl::InvalidArgumentError("--model is required: the target model's directory");
  }
  if (address.find(':') == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("--address=", address, " must be host:port (e.g. 0.0.0.0:50051)"));
  }
  for (const auto& [flag, value] : {std::pair<const char*, int64_t>{"workers", workers},
                                    {"max-sessions", max_sessions},
                                    {"max-prompt-tokens", max_prompt_tokens},
                                    {"max-draft-tokens", max_draft_tokens},
                                    {"max-new-tokens", max_new_tokens},
                                    {"max-message-bytes", max_message_bytes},
                                    {"zstd-min-bytes", zstd_min_bytes}}) {
    if (absl::Status s = Positive(flag, value); !s.ok()) return s;
  }
  if (max_draft_tokens < wire::kGuaranteedDraftTokens) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--max-draft-tokens=", max_draft_tokens, " is below ", wire::kGuaranteedDraftTokens,
        ", the chunk every cloud takes (an edge sends its first chunk before Opened names the "
        "limit); use at least ",
        wire::kGuaranteedDraftTokens));
  }
  if (zstd_level < 1 || zstd_level > 19) {
    return absl::InvalidArgumentError(
        absl::StrCat("--zstd-level=", zstd_level, " must be in [1, 19]"));
  }
  return absl::OkStatus();
}

}  // namespace tandem::cloud
