#include "common/model/safetensors.h"

#include <stdlib.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "common/base/file_util.h"
#include "common/model/dtype.h"

namespace tandem::model {
namespace {

using Catch::Matchers::Contains;

// A fresh directory under /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/tandem_safetensors_test_XXXXXX";
    const char* made = ::mkdtemp(pattern);
    REQUIRE(made != nullptr);
    path_ = made;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return base::JoinPath(path_, name); }

 private:
  std::string path_;
};

std::string LengthPrefix(uint64_t n) {
  std::string bytes;
  for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>(n >> (8 * i)));
  return bytes;
}

// A safetensors file built by hand: the 8-byte LE length of `header`, the
// header, then `data_size` bytes counting up from 0.
std::string RawFile(const std::string& header, size_t data_size) {
  std::string data(data_size, '\0');
  for (size_t i = 0; i < data_size; ++i) data[i] = static_cast<char>(i);
  return LengthPrefix(header.size()) + header + data;
}

std::string WriteRaw(const TempDir& dir, const std::string& contents) {
  const std::string path = dir.File("model.safetensors");
  REQUIRE(base::WriteStringToFile(path, contents).ok());
  return path;
}

absl::Status OpenStatus(const std::string& path) { return SafetensorsFile::Open(path).status(); }

// Asserts the code and that the message contains every one of `needles`.
void RequireError(const absl::Status& status, absl::StatusCode code,
                  const std::vector<std::string>& needles) {
  INFO("status: " << status.ToString());
  REQUIRE(status.code() == code);
  for (const std::string& needle : needles) {
    CHECK_THAT(std::string(status.message()), Contains(needle));
  }
}

template <typename T>
std::string_view BytesOf(const std::vector<T>& values) {
  return std::string_view(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

template <typename T>
std::vector<T> ValuesOf(const TensorView& view) {
  REQUIRE(view.n_bytes % sizeof(T) == 0);
  std::vector<T> values(view.n_bytes / sizeof(T));
  std::memcpy(values.data(), view.data, view.n_bytes);
  return values;
}

TEST_CASE("DType: names round-trip and sizes match the safetensors spec", "[safetensors]") {
  const std::vector<std::pair<DType, size_t>> sizes = {
      {DType::kF64, 8}, {DType::kF32, 4},  {DType::kF16, 2},    {DType::kBF16, 2},
      {DType::kI64, 8}, {DType::kI32, 4},  {DType::kI16, 2},    {DType::kI8, 1},
      {DType::kU8, 1},  {DType::kBool, 1}, {DType::kF8E4M3, 1}, {DType::kF8E5M2, 1}};
  for (const auto& [dtype, size] : sizes) {
    INFO(DTypeName(dtype));
    CHECK(DTypeSize(dtype) == size);
    absl::StatusOr<DType> parsed = ParseDType(DTypeName(dtype));
    REQUIRE(parsed.ok());
    CHECK(*parsed == dtype);
  }
  CHECK(DTypeName(DType::kBF16) == "BF16");
  CHECK(DTypeName(DType::kF8E4M3) == "F8_E4M3");
  CHECK(DTypeName(DType::kBool) == "BOOL");
}

TEST_CASE("DType: an unknown name is InvalidArgument listing the known ones", "[safetensors]") {
  RequireError(ParseDType("f32").status(), absl::StatusCode::kInvalidArgument,
               {"\"f32\"", "F32", "BF16", "F8_E5M2"});
}

TEST_CASE("SafetensorsFile: write then open round-trips F32, BF16, F16, I64", "[safetensors]") {
  TempDir dir;
  const std::string path = dir.File("round_trip.safetensors");
  const std::vector<float> f32 = {1.5f, -2.0f, 3.25f, 0.0f, 1e-3f, -7.0f};
  // BF16 1.5 = 0x3FC0, -2.0 = 0xC000; F16 1.5 = 0x3E00, -2.0 = 0xC000.
  const std::vector<uint16_t> bf16 = {0x3FC0, 0xC000, 0x0000};
  const std::vector<uint16_t> f16 = {0x3E00, 0xC000};
  const std::vector<int64_t> i64 = {INT64_MIN, -1, 0, 42, INT64_MAX};
  const std::map<std::string, std::string> metadata = {{"format", "pt"}, {"note", "tandem"}};
  REQUIRE(WriteSafetensors(path,
                           {{"w.f32", DType::kF32, {2, 3}, BytesOf(f32)},
                            {"b.bf16", DType::kBF16, {3}, BytesOf(bf16)},
                            {"c.f16", DType::kF16, {1, 2}, BytesOf(f16)},
                            {"a.i64", DType::kI64, {5}, BytesOf(i64)}},
                           metadata)
              .ok());

  absl::StatusOr<std::unique_ptr<SafetensorsFile>> file = SafetensorsFile::Open(path);
  REQUIRE(file.ok());
  CHECK((*file)->path() == path);
  CHECK((*file)->names() == std::vector<std::string>{"a.i64", "b.bf16", "c.f16", "w.f32"});
  CHECK((*file)->metadata() == metadata);
  // 24 + 6 + 4 + 40 bytes of data.
  CHECK((*file)->data_bytes() == 74);

  absl::StatusOr<TensorView> w = (*file)->Get("w.f32");
  REQUIRE(w.ok());
  CHECK(w->name == "w.f32");
  CHECK(w->dtype == DType::kF32);
  CHECK(w->shape == std::vector<int64_t>{2, 3});
  CHECK(w->numel() == 6);
  CHECK(w->n_bytes == 24);
  CHECK(ValuesOf<float>(*w) == f32);

  absl::StatusOr<TensorView> b = (*file)->Get("b.bf16");
  REQUIRE(b.ok());
  CHECK(b->dtype == DType::kBF16);
  CHECK(ValuesOf<uint16_t>(*b) == bf16);
  absl::StatusOr<TensorView> c = (*file)->Get("c.f16");
  REQUIRE(c.ok());
  CHECK(c->dtype == DType::kF16);
  CHECK(c->shape == std::vector<int64_t>{1, 2});
  CHECK(ValuesOf<uint16_t>(*c) == f16);
  absl::StatusOr<TensorView> a = (*file)->Get("a.i64");
  REQUIRE(a.ok());
  CHECK(a->dtype == DType::kI64);
  CHECK(ValuesOf<int64_t>(*a) == i64);

  // Tensors are laid out contiguously in the order written, from an
  // 8-aligned data start: w.f32 first, a.i64 last.
  CHECK(reinterpret_cast<uintptr_t>(w->data) % 8 == 0);
  CHECK(b->data == w->data + 24);
  CHECK(c->data == b->data + 6);
  CHECK(a->data == c->data + 4);
}

TEST_CASE("WriteSafetensors: header is space-padded to 8-byte alignment", "[safetensors]") {
  TempDir dir;
  const std::string path = dir.File("padded.safetensors");
  const std::vector<uint8_t> bytes = {7};
  REQUIRE(WriteSafetensors(path, {{"x", DType::kU8, {1}, BytesOf(bytes)}}).ok());
  absl::StatusOr<std::string> contents = base::ReadFileToString(path);
  REQUIRE(contents.ok());
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) {
    header_size = (header_size << 8) | static_cast<uint8_t>((*contents)[i]);
  }
  CHECK(header_size % 8 == 0);
  REQUIRE(contents->size() == 8 + header_size + 1);
  const std::string header = contents->substr(8, header_size);
  CHECK(header.front() == '{');
  CHECK(header.find("__metadata__") == std::string::npos);
  // Everything after the closing brace is padding spaces.
  const size_t close = header.rfind('}');
  CHECK(header.find_first_not_of(' ', close + 1) == std::string::npos);
  CHECK(contents->back() == 7);
}

TEST_CASE("WriteSafetensors: wrong byte count or repeated name is rejected", "[safetensors]") {
  TempDir dir;
  const std::string path = dir.File("bad.safetensors");
  const std::vector<float> three = {1, 2, 3};
  RequireError(WriteSafetensors(path, {{"short", DType::kF32, {2, 2}, BytesOf(three)}}),
               absl::StatusCode::kInvalidArgument,
               {"\"short\"", "has 12 bytes", "[2, 2]", "needs 16 bytes"});
  RequireError(WriteSafetensors(path, {{"t", DType::kF32, {3}, BytesOf(three)},
                                       {"t", DType::kF32, {3}, BytesOf(three)}}),
               absl::StatusCode::kInvalidArgument, {"\"t\"", "more than once"});
  RequireError(WriteSafetensors(path, {{"__metadata__", DType::kF32, {3}, BytesOf(three)}}),
               absl::StatusCode::kInvalidArgument, {"\"__metadata__\"", "reserved"});
  RequireError(WriteSafetensors(path, {{"neg", DType::kF32, {-1, 3}, BytesOf(three)}}),
               absl::StatusCode::kInvalidArgument, {"\"neg\"", "negative"});
  CHECK_FALSE(base::FileExists(path));
}

TEST_CASE("SafetensorsFile: a missing file is NotFound naming it", "[safetensors]") {
  TempDir dir;
  const std::string path = dir.File("absent.safetensors");
  RequireError(OpenStatus(path), absl::StatusCode::kNotFound, {path});
}

TEST_CASE("SafetensorsFile: Get of an absent tensor names it and the file", "[safetensors]") {
  TempDir dir;
  const std::string path = WriteRaw(dir, RawFile("{}", 0));
  absl::StatusOr<std::unique_ptr<SafetensorsFile>> file = SafetensorsFile::Open(path);
  REQUIRE(file.ok());
  CHECK_FALSE((*file)->Contains("lm_head.weight"));
  RequireError((*file)->Get("lm_head.weight").status(), absl::StatusCode::kNotFound,
               {"\"lm_head.weight\"", path});
}

TEST_CASE("SafetensorsFile: header {} with no data is a valid empty file", "[safetensors]") {
  TempDir dir;
  absl::StatusOr<std::unique_ptr<SafetensorsFile>> file =
      SafetensorsFile::Open(WriteRaw(dir, RawFile("{}      ", 0)));
  REQUIRE(file.ok());
  CHECK((*file)->names().empty());
  CHECK((*file)->metadata().empty());
  CHECK((*file)->data_bytes() == 0);
}

TEST_CASE("SafetensorsFile: zero-sized tensors are legal", "[safetensors]") {
  TempDir dir;
  // "empty" [0, 3] F32 sits at offset 4, between "a" [0,4) and "b" [4,8).
  const std::string path =
      WriteRaw(dir, RawFile(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                            R"("empty":{"dtype":"F32","shape":[0,3],"data_offsets":[4,4]},)"
                            R"("b":{"dtype":"I32","shape":[],"data_offsets":[4,8]}})",
                            8));
  absl::StatusOr<std::unique_ptr<SafetensorsFile>> file = SafetensorsFile::Open(path);
  REQUIRE(file.ok());
  absl::StatusOr<TensorView> empty = (*file)->Get("empty");
  REQUIRE(empty.ok());
  CHECK(empty->numel() == 0);
  CHECK(empty->n_bytes == 0);
  absl::StatusOr<TensorView> scalar = (*file)->Get("b");
  REQUIRE(scalar.ok());
  CHECK(scalar->shape.empty());
  CHECK(scalar->numel() == 1);
  // RawFile's data counts up from 0, so b holds bytes 4..7.
  CHECK(ValuesOf<uint8_t>(*scalar) == std::vector<uint8_t>{4, 5, 6, 7});
}

TEST_CASE("SafetensorsFile: a file shorter than 8 bytes is rejected", "[safetensors]") {
  TempDir dir;
  const std::string path = WriteRaw(dir, std::string("\x02\0\0\0\0", 5));
  RequireError(OpenStatus(path), absl::StatusCode::kInvalidArgument, {path, "5 bytes"});
  const std::string empty = WriteRaw(dir, "");
  RequireError(OpenStatus(empty), absl::StatusCode::kInvalidArgument, {empty, "0 bytes"});
}

TEST_CASE(
    "SafetensorsFile: a header length beyond the file or 100 MB is "
    "rejected",
    "[safetensors]") {
  TempDir dir;
  const std::string beyond = WriteRaw(dir, LengthPrefix(64) + std::string("{}"));
  RequireError(OpenStatus(beyond), absl::StatusCode::kInvalidArgument,
               {beyond, "header length 64", "truncated"});
  const std::string huge = WriteRaw(dir, LengthPrefix(200'000'000) + std::string("{}"));
  RequireError(OpenStatus(huge), absl::StatusCode::kInvalidArgument,
               {huge, "200000000", "100000000-byte limit"});
}

TEST_CASE(
    "SafetensorsFile: a header that is not a UTF-8 JSON object is "
    "rejected",
    "[safetensors]") {
  TempDir dir;
  const std::string not_json = WriteRaw(dir, RawFile("{not json", 0));
  RequireError(OpenStatus(not_json), absl::StatusCode::kInvalidArgument,
               {not_json, "not valid UTF-8 JSON"});
  // 0xFF can never appear in UTF-8.
  const std::string bad_utf8 = WriteRaw(
      dir, RawFile("{\"w\xff\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1));
  RequireError(OpenStatus(bad_utf8), absl::StatusCode::kInvalidArgument,
               {bad_utf8, "not valid UTF-8 JSON", "ill-formed UTF-8"});
  const std::string array = WriteRaw(dir, RawFile("[1, 2]  ", 0));
  RequireError(OpenStatus(array), absl::StatusCode::kInvalidArgument,
               {"array", "expected an object"});
}

TEST_CASE(
    "SafetensorsFile: an entry without dtype, shape and data_offsets is "
    "rejected naming the tensor",
    "[safetensors]") {
  TempDir dir;
  const std::string not_object = WriteRaw(dir, RawFile(R"({"w": 3})", 0));
  RequireError(OpenStatus(not_object), absl::StatusCode::kInvalidArgument,
               {"\"w\"", "\"data_offsets\""});
  const std::string missing = WriteRaw(dir, RawFile(R"({"w":{"dtype":"F32","shape":[1]}})", 4));
  RequireError(OpenStatus(missing), absl::StatusCode::kInvalidArgument,
               {missing, "\"w\"", "\"data_offsets\""});
}

TEST_CASE("SafetensorsFile: an unknown dtype is rejected naming the tensor", "[safetensors]") {
  TempDir dir;
  const std::string path =
      WriteRaw(dir, RawFile(R"({"w":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}})", 16));
  RequireError(OpenStatus(path), absl::StatusCode::kInvalidArgument,
               {path, "\"w\"", "\"F128\"", "BF16"});
}

TEST_CASE(
    "SafetensorsFile: negative or non-integer dims are rejected naming "
    "the tensor",
    "[safetensors]") {
  TempDir dir;
  for (const char* shape :
       {"[-2, 2]", "[2.5]", "[\"2\"]", "[1e3]", "[18446744073709551615]", "7"}) {
    INFO("shape " << shape);
    const std::string path = WriteRaw(
        dir,
        RawFile(absl::StrCat(R"({"w":{"dtype":"U8","shape":)", shape, R"(,"data_offsets":[0,4]}})"),
                4));
    RequireError(OpenStatus(path), absl::StatusCode::kInvalidArgument, {path, "\"w\"", "shape"});
  }
}

TEST_CASE(
    "SafetensorsFile: data_offsets that are not an ordered pair of "
    "non-negative integers are rejected naming the tensor",
    "[safetensors]") {
  TempDir dir;
  for (const char* offsets : {"[0]", "[0, 4, 8]", "[-4, 0]", "[0, 4.0]", "[8, 4]", "\"0,4\""}) {
    INFO("data_offsets " << offsets);
    const std::string path =
        WriteRaw(dir, RawFile(absl::StrCat(R"({"w":{"dtype":"U8","shape":[4],)",
                                           R"("data_offsets":)", offsets, "}}"),
                              8));
    RequireError(OpenStatus(path), absl::StatusCode::kInvalidArgument,
                 {path, "\"w\"", "data_offsets"});
  }
}

TEST_CASE(
    "SafetensorsFile: a truncated data section is rejected naming the "
    "tensor and the bytes it needs",
    "[safetensors]") {
  TempDir dir;
  const std::string path =
      WriteRaw(dir, RawFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                            R"("w":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})",
                            12));
  RequireError(OpenStatus(path), absl::StatusCode::kInvalidArgument,
               {path,
                "file is truncated or corrupt: tensor \"w\" needs bytes "
                "[8,24) but the data section has 12 bytes"});
}

TEST_CASE(
    "SafetensorsFile: offsets that disagree with shape and dtype are "
    "rejected naming the tensor",
    "[safetensors]") {
  TempDir dir;
  // [2, 3] BF16 needs 2*3*2 = 12 bytes, the offsets hold 8.
  const std::string path =
      WriteRaw(dir, RawFile(R"({"w":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,8]}})", 8));
  RequireError(OpenStatus(path), absl::StatusCode::kInvalidArgument,
               {path, "\"w\"", "hold 8 bytes", "needs 12 bytes"});
}

TEST_CASE(
    "SafetensorsFile: a shape whose byte count overflows 64 bits is "
    "rejected naming the tensor",
    "[safetensors]") {
  TempDir dir;
  // 2^62 * 2^62 * 4 bytes overflows uint64; the offsets hold 4 bytes.
  const std::string path =
      WriteRaw(dir, RawFile(R"({"w":{"dtype":"F32","shape":[4611686018427387904,)"
                            R"(4611686018427387904],"data_offsets":[0,4]}})",
                            4));
  RequireError(OpenStatus(path), absl::StatusCode::kInvalidArgument, {path, "\"w\"", "overflows"});
}

TEST_CASE("SafetensorsFile: overlapping tensors are rejected naming both", "[safetensors]") {
  TempDir dir;
  const std::string path =
      WriteRaw(dir, RawFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                            R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                            12));
  RequireError(OpenStatus(path), absl::StatusCode::kInvalidArgument,
               {path, "\"a\" [0,8)", "\"b\" [4,12)", "overlap"});
}

TEST_CASE("SafetensorsFile: bytes that belong to no tensor are rejected", "[safetensors]") {
  TempDir dir;
  SECTION("between two tensors") {
    const std::string path =
        WriteRaw(dir, RawFile(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                              R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                              12));
    RequireError(OpenStatus(path), absl::StatusCode::kInvalidArgument,
                 {path, "[4,8)", "between tensors \"a\" and \"b\"", "belong to no tensor"});
  }
  SECTION("before the first tensor") {
    const std::string path =
        WriteRaw(dir, RawFile(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8));
    RequireError(OpenStatus(path), absl::StatusCode::kInvalidArgument,
                 {path, "[0,4)", "before the first tensor \"a\""});
  }
  SECTION("after the last tensor") {
    const std::string path =
        WriteRaw(dir, RawFile(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 8));
    RequireError(OpenStatus(path), absl::StatusCode::kInvalidArgument,
                 {path, "[4,8)", "after the last tensor \"a\""});
  }
  SECTION("with no tensors at all") {
    const std::string path = WriteRaw(dir, RawFile("{}", 8));
    RequireError(OpenStatus(path), absl::StatusCode::kInvalidArgument,
                 {path, "no tensors", "8 bytes"});
  }
}

TEST_CASE(
    "SafetensorsFile: a tensor listed twice in the header is rejected "
    "naming it",
    "[safetensors]") {
  TempDir dir;
  const std::string path =
      WriteRaw(dir, RawFile(R"({"w":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                            R"("w":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}})",
                            8));
  RequireError(OpenStatus(path), absl::StatusCode::kInvalidArgument,
               {path, "\"w\"", "more than once"});
}

TEST_CASE("SafetensorsFile: non-string __metadata__ values are rejected", "[safetensors]") {
  TempDir dir;
  const std::string path =
      WriteRaw(dir, RawFile(R"({"__metadata__":{"format":"pt","step":3}})", 0));
  RequireError(OpenStatus(path), absl::StatusCode::kInvalidArgument, {path, "\"step\"", "strings"});
}

TEST_CASE(
    "SafetensorsFile: the stories260K checkpoint has 47 F32 tensors and "
    "tied embeddings",
    "[safetensors]") {
  const std::string path =
      std::string(TANDEM_SHARED_DIR) + "/realdata/models/stories260K/model.safetensors";
  if (!base::FileExists(path)) {
    WARN("skipped: " << path << " is absent");
    return;
  }
  absl::StatusOr<std::unique_ptr<SafetensorsFile>> file = SafetensorsFile::Open(path);
  REQUIRE(file.ok());
  const std::vector<std::string> names = (*file)->names();
  CHECK(names.size() == 47);
  CHECK_FALSE((*file)->Contains("lm_head.weight"));
  CHECK((*file)->metadata().at("format") == "pt");
  size_t n_bytes = 0;
  for (const std::string& name : names) {
    absl::StatusOr<TensorView> view = (*file)->Get(name);
    REQUIRE(view.ok());
    INFO(name);
    CHECK(view->dtype == DType::kF32);
    n_bytes += view->n_bytes;
  }
  // README: 260,032 parameters, float32, embeddings stored once.
  CHECK(n_bytes == 260032 * 4);
  absl::StatusOr<TensorView> embed = (*file)->Get("model.embed_tokens.weight");
  REQUIRE(embed.ok());
  CHECK(embed->shape == std::vector<int64_t>{512, 64});
  CHECK(embed->n_bytes == 512 * 64 * 4);
  // First elements' bit patterns as read independently with Python's json
  // and struct modules: embed[0][0] = -0.29474878 (0xBE96E950), norm[0] =
  // 2.4583089 (0x401D54EF), the last tensor in the data section.
  CHECK(ValuesOf<uint32_t>(*embed).front() == 0xBE96E950u);
  absl::StatusOr<TensorView> norm = (*file)->Get("model.norm.weight");
  REQUIRE(norm.ok());
  CHECK(norm->shape == std::vector<int64_t>{64});
  CHECK(ValuesOf<uint32_t>(*norm).front() == 0x401D54EFu);
}

}  // namespace
}  // namespace tandem::model
