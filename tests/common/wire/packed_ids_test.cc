#include "common/wire/packed_ids.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "catch2/catch.hpp"

namespace tandem::wire {
namespace {

using ::Catch::Matchers::Contains;

constexpr int32_t kInt32Max = std::numeric_limits<int32_t>::max();

tandem::v1::PackedIds Raw(const std::string& data, uint32_t count) {
  tandem::v1::PackedIds packed;
  packed.set_data(data);
  packed.set_count(count);
  packed.set_compression(tandem::v1::COMPRESSION_NONE);
  return packed;
}

std::string ErrorOf(const absl::StatusOr<std::vector<int32_t>>& result) {
  REQUIRE_FALSE(result.ok());
  CHECK(absl::IsInvalidArgument(result.status()));
  return std::string(result.status().message());
}

TEST_CASE("EncodeIds: writes LEB128 varints, low 7-bit group first", "[wire]") {
  tandem::v1::PackedIds packed;
  EncodeIds({0, 127, 128, 300}, CompressionPolicy{}, &packed);
  // 0 -> 00; 127 -> 7F; 128 = 0b1'0000000 -> 80 01; 300 = 0b10'0101100 -> AC 02.
  CHECK(packed.data() == std::string("\x00\x7F\x80\x01\xAC\x02", 6));
  CHECK(packed.count() == 4);
  CHECK(packed.compression() == tandem::v1::COMPRESSION_NONE);
}

TEST_CASE("PackedIds: ids from 0 to 2^31-2 round-trip", "[wire]") {
  const std::vector<int32_t> ids = {0,     1,      127,     128,     16383,
                                    16384, 151935, 2097151, 2097152, kInt32Max - 1};
  tandem::v1::PackedIds packed;
  EncodeIds(ids, CompressionPolicy{}, &packed);
  const absl::StatusOr<std::vector<int32_t>> back = DecodeIds(packed, kInt32Max, ids.size());
  REQUIRE(back.ok());
  CHECK(*back == ids);
}

TEST_CASE("PackedIds: 2^31-1 takes five bytes and is outside any int32 vocabulary", "[wire]") {
  tandem::v1::PackedIds packed;
  EncodeIds({kInt32Max}, CompressionPolicy{}, &packed);
  // 2^31-1 = four full 7-bit groups (FF x4 with the "more" bit) then 0b111 = 07.
  CHECK(packed.data() == std::string("\xFF\xFF\xFF\xFF\x07", 5));
  const std::string error = ErrorOf(DecodeIds(packed, kInt32Max, 1));
  CHECK_THAT(error, Contains("is 2147483647"));
  CHECK_THAT(error, Contains("vocabulary of 2147483647 tokens"));
}

TEST_CASE("PackedIds: an empty list round-trips as empty data", "[wire]") {
  tandem::v1::PackedIds packed;
  EncodeIds({}, CompressionPolicy{}, &packed);
  CHECK(packed.data().empty());
  CHECK(packed.count() == 0);
  CHECK(packed.compression() == tandem::v1::COMPRESSION_NONE);
  const absl::StatusOr<std::vector<int32_t>> back = DecodeIds(packed, 32000, 0);
  REQUIRE(back.ok());
  CHECK(back->empty());
}

TEST_CASE(
    "PackedIds: a large repetitive list is zstd'ed, smaller than its varints, and round-trips",
    "[wire]") {
  std::vector<int32_t> ids;
  for (int i = 0; i < 4096; ++i) ids.push_back(31000 + (i * 7) % 100);  // 3-byte varints
  tandem::v1::PackedIds packed;
  EncodeIds(ids, CompressionPolicy{}, &packed);
  REQUIRE(packed.compression() == tandem::v1::COMPRESSION_ZSTD);
  CHECK(packed.data().size() < 4096 * 3);
  const absl::StatusOr<std::vector<int32_t>> back = DecodeIds(packed, 32000, 4096);
  REQUIRE(back.ok());
  CHECK(*back == ids);
}

TEST_CASE("PackedIds: a short list stays uncompressed", "[wire]") {
  const std::vector<int32_t> ids = {5, 5, 5, 5, 5, 5, 5, 5, 5, 5};  // 10 bytes < 64
  tandem::v1::PackedIds packed;
  EncodeIds(ids, CompressionPolicy{}, &packed);
  CHECK(packed.compression() == tandem::v1::COMPRESSION_NONE);
  CHECK(packed.data().size() == 10);
  const absl::StatusOr<std::vector<int32_t>> back = DecodeIds(packed, 32000, 10);
  REQUIRE(back.ok());
  CHECK(*back == ids);
}

TEST_CASE("DecodeIds: a truncated varint is InvalidArgument", "[wire]") {
  // 0x80: "more bytes follow", and none do.
  const std::string error = ErrorOf(DecodeIds(Raw(std::string("\x05\x80", 2), 2), 32000, 10));
  CHECK_THAT(error, Contains("id #1"));
  CHECK_THAT(error, Contains("truncated"));
}

TEST_CASE("DecodeIds: a varint longer than 5 bytes is InvalidArgument", "[wire]") {
  const std::string overlong("\x80\x80\x80\x80\x80\x01", 6);
  // With count 2 the 10-byte cap admits the 6 bytes, and the varint is refused.
  const std::string error = ErrorOf(DecodeIds(Raw(overlong, 2), kInt32Max, 10));
  CHECK_THAT(error, Contains("id #0"));
  CHECK_THAT(error, Contains("longer than 5 bytes"));
  // With count 1 the payload already exceeds 1 x 5 bytes.
  CHECK_THAT(ErrorOf(DecodeIds(Raw(overlong, 1), kInt32Max, 10)),
             Contains("6 bytes exceeds the limit of 5"));
}

TEST_CASE("DecodeIds: fewer or more ids than count is InvalidArgument", "[wire]") {
  const std::string fewer = ErrorOf(DecodeIds(Raw(std::string("\x01\x02", 2), 3), 32000, 10));
  CHECK_THAT(fewer, Contains("count is 3 but the data holds 2 ids"));
  const std::string more = ErrorOf(DecodeIds(Raw(std::string("\x01\x02\x03", 3), 2), 32000, 10));
  CHECK_THAT(more, Contains("count is 2"));
  CHECK_THAT(more, Contains("1 bytes remain"));
}

TEST_CASE("DecodeIds: an id at or above the vocabulary size names the id and the vocabulary",
          "[wire]") {
  tandem::v1::PackedIds packed;
  EncodeIds({31999, 32000}, CompressionPolicy{}, &packed);
  const std::string error = ErrorOf(DecodeIds(packed, 32000, 10));
  CHECK_THAT(error, Contains("id #1 is 32000"));
  CHECK_THAT(error, Contains("vocabulary of 32000 tokens"));
  // The last valid id passes.
  EncodeIds({31999}, CompressionPolicy{}, &packed);
  CHECK(DecodeIds(packed, 32000, 10).ok());
}

TEST_CASE("DecodeIds: more ids than max_count is InvalidArgument", "[wire]") {
  tandem::v1::PackedIds packed;
  EncodeIds(std::vector<int32_t>(11, 1), CompressionPolicy{}, &packed);
  const std::string error = ErrorOf(DecodeIds(packed, 32000, 10));
  CHECK_THAT(error, Contains("11 ids, more than the limit of 10"));
}

TEST_CASE("DecodeIds: a garbage zstd frame is InvalidArgument", "[wire]") {
  tandem::v1::PackedIds packed = Raw("definitely not a zstd frame", 3);
  packed.set_compression(tandem::v1::COMPRESSION_ZSTD);
  const std::string error = ErrorOf(DecodeIds(packed, 32000, 10));
  CHECK_THAT(error, Contains("not a zstd frame"));
}

TEST_CASE("DecodeIds: a zstd frame that inflates past 5 bytes per id is InvalidArgument",
          "[wire]") {
  // 1 MiB of zero bytes is a million valid varints for id 0; with count 4 the
  // cap is 4 * 5 = 20 bytes, so it must be refused without inflating it.
  const CompressedBytes bomb = CompressIfItPays(std::string(1 << 20, '\0'), CompressionPolicy{});
  REQUIRE(bomb.compression == tandem::v1::COMPRESSION_ZSTD);
  tandem::v1::PackedIds packed = Raw(bomb.data, 4);
  packed.set_compression(tandem::v1::COMPRESSION_ZSTD);
  const std::string error = ErrorOf(DecodeIds(packed, 32000, 10));
  CHECK_THAT(error, Contains("claims 1048576"));
  CHECK_THAT(error, Contains("limit of 20"));
}

TEST_CASE("DecodeIds: an unknown compression value is InvalidArgument", "[wire]") {
  tandem::v1::PackedIds packed = Raw(std::string("\x01", 1), 1);
  packed.set_compression(static_cast<tandem::v1::Compression>(9));
  CHECK_THAT(ErrorOf(DecodeIds(packed, 32000, 10)), Contains("unknown compression 9"));
}

}  // namespace
}  // namespace tandem::wire
