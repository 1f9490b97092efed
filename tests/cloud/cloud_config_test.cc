// CloudConfig::Validate: a bad flag is refused with its name and the fix.

#include "cloud/cloud_config.h"

#include <string>

#include "catch2/catch.hpp"
#include "common/wire/protocol_version.h"

namespace tandem::cloud {
namespace {

using Catch::Matchers::Contains;

CloudConfig Valid() {
  CloudConfig config;
  config.model_dir = "deploy/models/tandem-target";
  config.address = "127.0.0.1:0";
  return config;
}

TEST_CASE("CloudConfig: the defaults with a model and an address are valid", "[cloud][config]") {
  CHECK(Valid().Validate().ok());
}

TEST_CASE("CloudConfig: a chunk limit below what an edge sends before Opened is refused",
          "[cloud][config]") {
  CloudConfig config = Valid();
  config.max_draft_tokens = wire::kGuaranteedDraftTokens;
  CHECK(config.Validate().ok());
  config.max_draft_tokens = wire::kGuaranteedDraftTokens - 1;
  const absl::Status status = config.Validate();
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(status.message()),
             Contains("--max-draft-tokens=7") && Contains("use at least 8"));
  config.max_draft_tokens = 0;
  CHECK_THAT(std::string(config.Validate().message()), Contains("must be positive"));
}

}  // namespace
}  // namespace tandem::cloud
