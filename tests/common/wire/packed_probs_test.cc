#include "common/wire/packed_probs.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "common/wire/float16.h"

namespace tandem::wire {
namespace {

using ::Catch::Matchers::Contains;

tandem::v1::PackedProbs Raw(tandem::v1::ProbEncoding encoding, const std::string& data,
                            uint32_t count) {
  tandem::v1::PackedProbs packed;
  packed.set_encoding(encoding);
  packed.set_data(data);
  packed.set_count(count);
  packed.set_compression(tandem::v1::COMPRESSION_NONE);
  return packed;
}

template <typename T>
std::string ErrorOf(const absl::StatusOr<T>& result) {
  REQUIRE_FALSE(result.ok());
  CHECK(absl::IsInvalidArgument(result.status()));
  return std::string(result.status().message());
}

TEST_CASE("EncodeFixed16: writes mass - 1 as uint16 little-endian", "[wire]") {
  tandem::v1::PackedProbs packed;
  EncodeFixed16({1, 258, 65536}, CompressionPolicy{}, &packed);
  // 1 -> 0x0000; 258 -> 257 = 0x0101; 65536 -> 65535 = 0xFFFF.
  CHECK(packed.data() == std::string("\x00\x00\x01\x01\xFF\xFF", 6));
  CHECK(packed.encoding() == tandem::v1::PROB_FIXED16);
  CHECK(packed.count() == 3);
  CHECK(packed.compression() == tandem::v1::COMPRESSION_NONE);
}

TEST_CASE("PackedProbs: FIXED16 masses round-trip exactly", "[wire]") {
  const std::vector<uint32_t> masses = {1, 2, 255, 256, 32768, 65535, 65536};
  tandem::v1::PackedProbs packed;
  EncodeFixed16(masses, CompressionPolicy{}, &packed);
  const absl::StatusOr<std::vector<uint32_t>> back = DecodeFixed16(packed, masses.size());
  REQUIRE(back.ok());
  CHECK(*back == masses);
}

TEST_CASE("PackedProbs: FLOAT32 round-trips bit-exactly, little-endian", "[wire]") {
  const std::vector<float> probs = {0.0f, 1e-30f, 0.25f, 0.999f, 1.0f, std::nextafter(1.0f, 0.0f)};
  tandem::v1::PackedProbs packed;
  EncodeFloat32(probs, CompressionPolicy{}, &packed);
  CHECK(packed.encoding() == tandem::v1::PROB_FLOAT32);
  // 1.0f = 0x3F800000 -> bytes 00 00 80 3F at index 4.
  CHECK(packed.data().substr(16, 4) == std::string("\x00\x00\x80\x3F", 4));
  const absl::StatusOr<std::vector<float>> back = DecodeFloats(packed, probs.size());
  REQUIRE(back.ok());
  CHECK(*back == probs);
}

TEST_CASE("PackedProbs: FLOAT16 round-trips to the nearest half", "[wire]") {
  const std::vector<float> probs = {0.0f, 1.0f, 0.5f, 0.1f, 1e-6f};
  tandem::v1::PackedProbs packed;
  EncodeFloat16(probs, CompressionPolicy{}, &packed);
  CHECK(packed.encoding() == tandem::v1::PROB_FLOAT16);
  REQUIRE(packed.data().size() == 10);
  // 1.0 = half 0x3C00 -> bytes 00 3C.
  CHECK(packed.data().substr(2, 2) == std::string("\x00\x3C", 2));
  const absl::StatusOr<std::vector<float>> back = DecodeFloats(packed, probs.size());
  REQUIRE(back.ok());
  CHECK((*back)[0] == 0.0f);
  CHECK((*back)[1] == 1.0f);
  CHECK((*back)[2] == 0.5f);
  // 0.1 -> half 0x2E66 = 1638 * 2^-14 = 0.0999755859375.
  CHECK((*back)[3] == 0.0999755859375f);
  // 1e-6 is subnormal in half: round(1e-6 * 2^24) = round(16.78) = 17 units of 2^-24.
  CHECK((*back)[4] == std::ldexp(17.0f, -24));
}

TEST_CASE("PackedProbs: a large repetitive list is zstd'ed and round-trips", "[wire]") {
  std::vector<uint32_t> masses(4096, 16);  // 8192 raw bytes
  masses[100] = 65536;
  tandem::v1::PackedProbs packed;
  EncodeFixed16(masses, CompressionPolicy{}, &packed);
  REQUIRE(packed.compression() == tandem::v1::COMPRESSION_ZSTD);
  CHECK(packed.data().size() < 8192);
  const absl::StatusOr<std::vector<uint32_t>> back = DecodeFixed16(packed, masses.size());
  REQUIRE(back.ok());
  CHECK(*back == masses);

  const std::vector<float> probs(2048, 1.0f / 2048);
  EncodeFloat32(probs, CompressionPolicy{}, &packed);
  REQUIRE(packed.compression() == tandem::v1::COMPRESSION_ZSTD);
  const absl::StatusOr<std::vector<float>> floats = DecodeFloats(packed, probs.size());
  REQUIRE(floats.ok());
  CHECK(*floats == probs);
}

TEST_CASE("PackedProbs: an empty list round-trips", "[wire]") {
  tandem::v1::PackedProbs packed;
  EncodeFixed16({}, CompressionPolicy{}, &packed);
  const absl::StatusOr<std::vector<uint32_t>> back = DecodeFixed16(packed, 0);
  REQUIRE(back.ok());
  CHECK(back->empty());
}

TEST_CASE("PackedProbs: the wrong encoding is InvalidArgument naming expected and got", "[wire]") {
  tandem::v1::PackedProbs packed;
  EncodeFloat32({0.5f}, CompressionPolicy{}, &packed);
  CHECK_THAT(ErrorOf(DecodeFixed16(packed, 1)),
             Contains("expected PROB_FIXED16, got PROB_FLOAT32"));

  EncodeFixed16({100}, CompressionPolicy{}, &packed);
  CHECK_THAT(ErrorOf(DecodeFloats(packed, 1)),
             Contains("expected PROB_FLOAT32 or PROB_FLOAT16, got PROB_FIXED16"));

  packed.set_encoding(tandem::v1::PROB_ENCODING_UNSPECIFIED);
  CHECK_THAT(ErrorOf(DecodeFixed16(packed, 1)), Contains("got PROB_ENCODING_UNSPECIFIED"));
  packed.set_encoding(static_cast<tandem::v1::ProbEncoding>(42));
  CHECK_THAT(ErrorOf(DecodeFloats(packed, 1)), Contains("got unknown encoding 42"));
}

TEST_CASE("DecodeFixed16: an odd byte count is InvalidArgument", "[wire]") {
  const auto packed = Raw(tandem::v1::PROB_FIXED16, std::string(5, '\x01'), 3);
  const std::string error = ErrorOf(DecodeFixed16(packed, 3));
  CHECK_THAT(error, Contains("has 5 bytes"));
  CHECK_THAT(error, Contains("not a multiple of the 2-byte value size"));
}

TEST_CASE("PackedProbs: count different from the expected count is InvalidArgument", "[wire]") {
  const auto packed = Raw(tandem::v1::PROB_FIXED16, std::string(6, '\x01'), 3);
  CHECK_THAT(ErrorOf(DecodeFixed16(packed, 4)), Contains("holds 3 values, expected 4"));
  // count agrees but the bytes do not: 4 values need 8 bytes.
  const auto short_data = Raw(tandem::v1::PROB_FIXED16, std::string(6, '\x01'), 4);
  CHECK_THAT(ErrorOf(DecodeFixed16(short_data, 4)), Contains("expected 4 x 2 = 8"));
  const auto floats = Raw(tandem::v1::PROB_FLOAT32, std::string(12, '\0'), 3);
  CHECK_THAT(ErrorOf(DecodeFloats(floats, 2)), Contains("holds 3 values, expected 2"));
}

TEST_CASE("DecodeFloats: NaN, negative and above-one values are InvalidArgument", "[wire]") {
  tandem::v1::PackedProbs packed;
  EncodeFloat32({0.5f, std::numeric_limits<float>::quiet_NaN()}, CompressionPolicy{}, &packed);
  CHECK_THAT(ErrorOf(DecodeFloats(packed, 2)), Contains("value #1 is nan"));
  EncodeFloat32({-0.25f}, CompressionPolicy{}, &packed);
  CHECK_THAT(ErrorOf(DecodeFloats(packed, 1)), Contains("value #0 is -0.25"));
  EncodeFloat32({1.5f}, CompressionPolicy{}, &packed);
  CHECK_THAT(ErrorOf(DecodeFloats(packed, 1)), Contains("is 1.5, not a probability"));
  EncodeFloat32({std::numeric_limits<float>::infinity()}, CompressionPolicy{}, &packed);
  CHECK(absl::IsInvalidArgument(DecodeFloats(packed, 1).status()));

  // FLOAT16: 0x3C01 = 1 + 2^-10 (> 1), 0x7E00 = NaN, 0xB800 = -0.5.
  CHECK_THAT(ErrorOf(DecodeFloats(Raw(tandem::v1::PROB_FLOAT16, std::string("\x01\x3C", 2), 1), 1)),
             Contains("1.00098"));
  CHECK(absl::IsInvalidArgument(
      DecodeFloats(Raw(tandem::v1::PROB_FLOAT16, std::string("\x00\x7E", 2), 1), 1).status()));
  CHECK_THAT(ErrorOf(DecodeFloats(Raw(tandem::v1::PROB_FLOAT16, std::string("\x00\xB8", 2), 1), 1)),
             Contains("-0.5"));
}

TEST_CASE("DecodeFloats: negative zero reads as zero", "[wire]") {
  tandem::v1::PackedProbs packed;
  EncodeFloat32({-0.0f}, CompressionPolicy{}, &packed);
  const absl::StatusOr<std::vector<float>> back = DecodeFloats(packed, 1);
  REQUIRE(back.ok());
  CHECK((*back)[0] == 0.0f);
  CHECK_FALSE(std::signbit((*back)[0]));
}

TEST_CASE("PackedProbs: garbage or oversized zstd payloads are InvalidArgument", "[wire]") {
  auto packed = Raw(tandem::v1::PROB_FIXED16, "garbage garbage garbage", 2);
  packed.set_compression(tandem::v1::COMPRESSION_ZSTD);
  CHECK_THAT(ErrorOf(DecodeFixed16(packed, 2)), Contains("not a zstd frame"));

  const CompressedBytes bomb = CompressIfItPays(std::string(1 << 20, '\0'), CompressionPolicy{});
  REQUIRE(bomb.compression == tandem::v1::COMPRESSION_ZSTD);
  packed = Raw(tandem::v1::PROB_FLOAT32, bomb.data, 8);
  packed.set_compression(tandem::v1::COMPRESSION_ZSTD);
  CHECK_THAT(ErrorOf(DecodeFloats(packed, 8)), Contains("limit of 32"));
}

}  // namespace
}  // namespace tandem::wire
