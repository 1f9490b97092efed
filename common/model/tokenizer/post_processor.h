#ifndef TANDEM_COMMON_MODEL_TOKENIZER_POST_PROCESSOR_H_
#define TANDEM_COMMON_MODEL_TOKENIZER_POST_PROCESSOR_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/model/tokenizer/json_util.h"

namespace tandem::model::tokenizer {

// The special tokens a post-processor puts around a single sequence when
// special tokens are requested: ids = prefix + sequence + suffix.
struct SpecialTokenWrap {
  std::vector<int32_t> prefix;
  std::vector<int32_t> suffix;
};

// Reads tokenizer.json's "post_processor" (null: nothing added). Supported:
// TemplateProcessing (its "single" template), RobertaProcessing and
// BertProcessing (cls ... sep), ByteLevel (adds nothing; offsets only) and
// a Sequence of ByteLevel and at most one of the others.
// Unimplemented naming the type for others; InvalidArgument naming `where`
// for malformed configs.
absl::StatusOr<SpecialTokenWrap> ParsePostProcessor(const Json& config, absl::string_view where);

}  // namespace tandem::model::tokenizer

#endif  // TANDEM_COMMON_MODEL_TOKENIZER_POST_PROCESSOR_H_
