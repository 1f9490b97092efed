// Edge-cloud speculative decoding end to end: a real tandem-cloud (gRPC on
// 127.0.0.1:<free port>) serving the bundled trained target, and the edge
// client with the bundled draft, in every decoding and verification mode.

#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "tests/testing/cloud_fixture.h"

namespace tandem {
namespace {

namespace v1 = ::tandem::v1;

// 24 prompts in the corpus' style (Python documentation and code).
const std::vector<std::string>& Prompts() {
  static const std::vector<std::string> prompts = {"def ",
                                                   "import os\n",
                                                   "class Config:\n    def __init__(self",
                                                   "Return the ",
                                                   "The following example shows",
                                                   "for i in range(",
                                                   "if __name__ == '__main__':\n",
                                                   "    raise ValueError(",
                                                   "This module provides",
                                                   "    def close(self):\n",
                                                   "# Copyright",
                                                   "The function",
                                                   "    return self.",
                                                   "import sys\nimport ",
                                                   "An exception is raised",
                                                   "def test_",
                                                   "with open(",
                                                   "The default value is",
                                                   "    @property\n    def ",
                                                   "try:\n    import ",
                                                   "Changed in version",
                                                   "    \"\"\"Return",
                                                   "Note that the",
                                                   "elif "};
  return prompts;
}

using Models = testing::BundledPair;

Models& SharedModels() {
  static Models models;
  return models;
}

edge::SpeculativeOptions Options(edge::DecodingMode decoding, v1::VerificationMode mode,
                                 double temperature, uint64_t seed, int max_tokens) {
  edge::SpeculativeOptions options;
  options.decoding = decoding;
  options.verification = mode;
  options.sampling.temperature = temperature;
  options.seed = seed;
  options.max_tokens = max_tokens;
  options.draft_max = 4;
  return options;
}

TEST_CASE("Speculative decoding: greedy output equals target-only decoding in every mode",
          "[e2e][integration]") {
  Models& m = SharedModels();
  auto cloud = testing::StartCloud(testing::TargetDir());
  const std::string address = testing::Address(*cloud);
  int64_t total_rejections = 0;
  for (const std::string& prompt : Prompts()) {
    INFO("prompt: " << prompt);
    const std::vector<int32_t> reference =
        testing::TargetGreedy(*m.target, *m.tokenizer, prompt, 24);
    for (v1::VerificationMode mode :
         {v1::VERIFICATION_MODE_EXACT, v1::VERIFICATION_MODE_SPARSE_DRAFT,
          v1::VERIFICATION_MODE_TOPK}) {
      INFO("mode " << v1::VerificationMode_Name(mode));
      edge::GenerationStats stats;
      auto ids =
          testing::RunEdge(m.draft.get(), *m.tokenizer, address,
                           Options(edge::DecodingMode::kSync, mode, 0.0, 0, 24), prompt, &stats);
      INFO(ids.status().message());
      REQUIRE(ids.ok());
      CHECK(*ids == reference);
      total_rejections += stats.rejections;
    }
    auto cloud_ids = testing::RunEdge(
        nullptr, *m.tokenizer, address,
        Options(edge::DecodingMode::kCloudAr, v1::VERIFICATION_MODE_EXACT, 0.0, 0, 24), prompt);
    REQUIRE(cloud_ids.ok());
    CHECK(*cloud_ids == reference);
  }
  // The pair disagrees often enough that corrections were exercised.
  CHECK(total_rejections > 20);
}

TEST_CASE("Speculative decoding: sampled output is identical for the same seed",
          "[e2e][integration]") {
  Models& m = SharedModels();
  auto cloud = testing::StartCloud(testing::TargetDir());
  const std::string address = testing::Address(*cloud);
  for (v1::VerificationMode mode : {v1::VERIFICATION_MODE_EXACT, v1::VERIFICATION_MODE_SPARSE_DRAFT,
                                    v1::VERIFICATION_MODE_TOPK}) {
    INFO("mode " << v1::VerificationMode_Name(mode));
    const auto options = Options(edge::DecodingMode::kSync, mode, 0.8, 1234, 40);
    auto first = testing::RunEdge(m.draft.get(), *m.tokenizer, address, options, "def ");
    auto second = testing::RunEdge(m.draft.get(), *m.tokenizer, address, options, "def ");
    REQUIRE(first.ok());
    REQUIRE(second.ok());
    CHECK(*first == *second);
    auto other_seed =
        testing::RunEdge(m.draft.get(), *m.tokenizer, address,
                         Options(edge::DecodingMode::kSync, mode, 0.8, 99, 40), "def ");
    REQUIRE(other_seed.ok());
    CHECK(*other_seed != *first);  // the seed matters
  }
}

TEST_CASE("Cloud-only decoding samples exactly what the target alone samples for a seed",
          "[e2e][integration]") {
  // Both use the counter-based RNG at (position, kTargetSample).
  Models& m = SharedModels();
  auto cloud = testing::StartCloud(testing::TargetDir());
  edge::GenerationOptions local;
  local.prompt = "The ";
  local.max_tokens = 30;
  local.sampling.temperature = 0.9;
  local.sampling.top_p = 0.95;
  local.seed = 7;
  const std::vector<int32_t> reference =
      testing::RunTargetAlone(*m.target, *m.tokenizer, testing::TargetDir(), local);
  auto options = Options(edge::DecodingMode::kCloudAr, v1::VERIFICATION_MODE_EXACT, 0.9, 7, 30);
  options.sampling.top_p = 0.95;
  auto ids = testing::RunEdge(nullptr, *m.tokenizer, testing::Address(*cloud), options, "The ");
  REQUIRE(ids.ok());
  CHECK(*ids == reference);
}

TEST_CASE("Speculative decoding: payload bytes are tiny in exact mode", "[e2e][integration]") {
  Models& m = SharedModels();
  auto cloud = testing::StartCloud(testing::TargetDir());
  edge::GenerationStats stats;
  auto ids = testing::RunEdge(
      m.draft.get(), *m.tokenizer, testing::Address(*cloud),
      Options(edge::DecodingMode::kSync, v1::VERIFICATION_MODE_EXACT, 0.7, 5, 64), "def ", &stats);
  REQUIRE(ids.ok());
  REQUIRE(stats.draft_tokens > 0);
  // Uplink payload per drafted token: a varint id (<= 2 bytes for a 4096
  // vocabulary) and a 2-byte q~(x), plus the committed prefix token per
  // round; the protocol's goal is <= 6 bytes.
  const double uplink_per_draft =
      static_cast<double>(stats.uplink_payload_bytes) / stats.draft_tokens;
  CHECK(uplink_per_draft <= 6.0);
  CHECK(stats.acceptance_rate() > 0.0);
  CHECK(stats.acceptance_rate() < 1.0);
}

}  // namespace
}  // namespace tandem
