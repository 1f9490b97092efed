#include "common/model/checkpoint.h"

#include <stdlib.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "catch2/catch.hpp"
#include "common/base/file_util.h"
#include "common/model/safetensors.h"

namespace tandem::model {
namespace {

using Catch::Matchers::Contains;

// A fresh model directory under /tmp, removed with its contents on
// destruction.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/tandem_checkpoint_test_XXXXXX";
    const char* made = ::mkdtemp(pattern);
    REQUIRE(made != nullptr);
    path_ = made;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return base::JoinPath(path_, name); }

 private:
  std::string path_;
};

void RequireError(const absl::Status& status, absl::StatusCode code,
                  const std::vector<std::string>& needles) {
  INFO("status: " << status.ToString());
  REQUIRE(status.code() == code);
  for (const std::string& needle : needles) {
    CHECK_THAT(std::string(status.message()), Contains(needle));
  }
}

std::string_view BytesOf(const std::vector<float>& values) {
  return std::string_view(reinterpret_cast<const char*>(values.data()),
                          values.size() * sizeof(float));
}

std::vector<float> FloatsOf(const TensorView& view) {
  REQUIRE(view.dtype == DType::kF32);
  std::vector<float> values(view.n_bytes / sizeof(float));
  std::memcpy(values.data(), view.data, view.n_bytes);
  return values;
}

// Two shards: shard 1 holds "embed" [2,2] and "norm" [2]; shard 2 holds
// "head" [1,2] and "extra" [1], which the index below does not list.
const std::vector<float> kEmbed = {1, 2, 3, 4};
const std::vector<float> kNorm = {0.5f, 0.25f};
const std::vector<float> kHead = {-1, -2};
const std::vector<float> kExtra = {9};
constexpr char kShard1[] = "model-00001-of-00002.safetensors";
constexpr char kShard2[] = "model-00002-of-00002.safetensors";
constexpr char kIndex[] = R"({
  "metadata": {"total_size": 32},
  "weight_map": {
    "embed": "model-00001-of-00002.safetensors",
    "norm": "model-00001-of-00002.safetensors",
    "head": "model-00002-of-00002.safetensors"
  }
})";

void WriteShards(const TempDir& dir) {
  REQUIRE(WriteSafetensors(dir.File(kShard1), {{"embed", DType::kF32, {2, 2}, BytesOf(kEmbed)},
                                               {"norm", DType::kF32, {2}, BytesOf(kNorm)}})
              .ok());
  REQUIRE(WriteSafetensors(dir.File(kShard2), {{"head", DType::kF32, {1, 2}, BytesOf(kHead)},
                                               {"extra", DType::kF32, {1}, BytesOf(kExtra)}})
              .ok());
}

void WriteIndex(const TempDir& dir, const std::string& text) {
  REQUIRE(base::WriteStringToFile(dir.File("model.safetensors.index.json"), text).ok());
}

TEST_CASE("Checkpoint: a single model.safetensors is opened whole", "[checkpoint]") {
  TempDir dir;
  REQUIRE(WriteSafetensors(dir.File("model.safetensors"),
                           {{"embed", DType::kF32, {2, 2}, BytesOf(kEmbed)},
                            {"norm", DType::kF32, {2}, BytesOf(kNorm)}})
              .ok());
  absl::StatusOr<std::unique_ptr<Checkpoint>> checkpoint = Checkpoint::OpenDirectory(dir.path());
  REQUIRE(checkpoint.ok());
  CHECK((*checkpoint)->names() == std::vector<std::string>{"embed", "norm"});
  CHECK((*checkpoint)->total_bytes() == 24);  // (4 + 2) floats
  absl::StatusOr<TensorView> norm = (*checkpoint)->Get("norm");
  REQUIRE(norm.ok());
  CHECK(FloatsOf(*norm) == kNorm);
  RequireError((*checkpoint)->Get("lm_head.weight").status(), absl::StatusCode::kNotFound,
               {"\"lm_head.weight\"", dir.path()});
}

TEST_CASE(
    "Checkpoint: a sharded checkpoint serves each tensor from the shard "
    "its index names",
    "[checkpoint]") {
  TempDir dir;
  WriteShards(dir);
  WriteIndex(dir, kIndex);
  absl::StatusOr<std::unique_ptr<Checkpoint>> checkpoint = Checkpoint::OpenDirectory(dir.path());
  REQUIRE(checkpoint.ok());
  // The index is the authority: "extra" is in shard 2 but not listed.
  CHECK((*checkpoint)->names() == std::vector<std::string>{"embed", "head", "norm"});
  CHECK_FALSE((*checkpoint)->Contains("extra"));
  CHECK((*checkpoint)->Contains("head"));
  CHECK((*checkpoint)->total_bytes() == 32);  // (4 + 2 + 2) floats
  absl::StatusOr<TensorView> embed = (*checkpoint)->Get("embed");
  absl::StatusOr<TensorView> head = (*checkpoint)->Get("head");
  REQUIRE(embed.ok());
  REQUIRE(head.ok());
  CHECK(embed->shape == std::vector<int64_t>{2, 2});
  CHECK(FloatsOf(*embed) == kEmbed);
  CHECK(head->shape == std::vector<int64_t>{1, 2});
  CHECK(FloatsOf(*head) == kHead);
}

TEST_CASE(
    "Checkpoint: a missing shard is NotFound naming the shard and a "
    "tensor",
    "[checkpoint]") {
  TempDir dir;
  WriteShards(dir);
  std::filesystem::remove(dir.File(kShard2));
  WriteIndex(dir, kIndex);
  RequireError(Checkpoint::OpenDirectory(dir.path()).status(), absl::StatusCode::kNotFound,
               {kShard2, "\"head\"", "model.safetensors.index.json"});
}

TEST_CASE("Checkpoint: a tensor absent from its shard is rejected naming both", "[checkpoint]") {
  TempDir dir;
  WriteShards(dir);
  WriteIndex(dir, R"({"weight_map": {
    "embed": "model-00001-of-00002.safetensors",
    "lm_head.weight": "model-00001-of-00002.safetensors"}})");
  RequireError(Checkpoint::OpenDirectory(dir.path()).status(), absl::StatusCode::kInvalidArgument,
               {"\"lm_head.weight\"", kShard1});
}

TEST_CASE("Checkpoint: a malformed index is rejected", "[checkpoint]") {
  TempDir dir;
  WriteShards(dir);
  SECTION("no weight_map") {
    WriteIndex(dir, R"({"metadata": {}})");
    RequireError(Checkpoint::OpenDirectory(dir.path()).status(), absl::StatusCode::kInvalidArgument,
                 {"\"weight_map\""});
  }
  SECTION("not JSON") {
    WriteIndex(dir, "{\"weight_map\": ");
    RequireError(Checkpoint::OpenDirectory(dir.path()).status(), absl::StatusCode::kInvalidArgument,
                 {"model.safetensors.index.json", "not a JSON object"});
  }
  SECTION("a shard outside the directory") {
    WriteIndex(dir, R"({"weight_map": {"embed": "../model.safetensors"}})");
    RequireError(Checkpoint::OpenDirectory(dir.path()).status(), absl::StatusCode::kInvalidArgument,
                 {"\"embed\"", "relative to the model directory"});
  }
}

TEST_CASE(
    "Checkpoint: a directory without safetensors weights is NotFound "
    "listing the files looked for",
    "[checkpoint]") {
  TempDir dir;
  RequireError(
      Checkpoint::OpenDirectory(dir.path()).status(), absl::StatusCode::kNotFound,
      {dir.path(), "model.safetensors", "model.safetensors.index.json", "safe_serialization=True"});
  REQUIRE(base::WriteStringToFile(dir.File("pytorch_model.bin"), "PK").ok());
  RequireError(Checkpoint::OpenDirectory(dir.path()).status(), absl::StatusCode::kNotFound,
               {"found pytorch_model.bin", "not supported"});
  RequireError(Checkpoint::OpenDirectory(dir.File("absent")).status(), absl::StatusCode::kNotFound,
               {"does not exist"});
}

TEST_CASE(
    "Checkpoint: an invalid model.safetensors fails with the file's "
    "own error",
    "[checkpoint]") {
  TempDir dir;
  REQUIRE(base::WriteStringToFile(dir.File("model.safetensors"), "abc").ok());
  RequireError(Checkpoint::OpenDirectory(dir.path()).status(), absl::StatusCode::kInvalidArgument,
               {dir.File("model.safetensors"), "3 bytes"});
}

TEST_CASE("Checkpoint: the stories260K directory opens with 47 tensors", "[checkpoint]") {
  const std::string dir = std::string(TANDEM_SHARED_DIR) + "/realdata/models/stories260K";
  if (!base::FileExists(base::JoinPath(dir, "model.safetensors"))) {
    WARN("skipped: " << dir << " is absent");
    return;
  }
  absl::StatusOr<std::unique_ptr<Checkpoint>> checkpoint = Checkpoint::OpenDirectory(dir);
  REQUIRE(checkpoint.ok());
  CHECK((*checkpoint)->names().size() == 47);
  CHECK((*checkpoint)->total_bytes() == 260032 * 4);  // README: 260,032 F32
  CHECK_FALSE((*checkpoint)->Contains("lm_head.weight"));
  absl::StatusOr<TensorView> embed = (*checkpoint)->Get("model.embed_tokens.weight");
  REQUIRE(embed.ok());
  CHECK(embed->shape == std::vector<int64_t>{512, 64});
}

}  // namespace
}  // namespace tandem::model
