#include "common/wire/packed_probs.h"

#include <cmath>
#include <cstring>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/base/logging.h"
#include "common/base/status_macros.h"
#include "common/wire/float16.h"

namespace tandem::wire {
namespace {

// Byte order is fixed little-endian on the wire, whatever the host's.
void AppendLe16(uint16_t v, std::string* out) {
  out->push_back(static_cast<char>(v & 0xFF));
  out->push_back(static_cast<char>(v >> 8));
}

void AppendLe32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

uint16_t ReadLe16(const char* p) {
  return static_cast<uint16_t>(static_cast<uint8_t>(p[0]) | (static_cast<uint8_t>(p[1]) << 8));
}

uint32_t ReadLe32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  }
  return v;
}

void Finish(std::string raw, tandem::v1::ProbEncoding encoding, size_t count,
            const CompressionPolicy& policy, tandem::v1::PackedProbs* out) {
  CompressedBytes packed = CompressIfItPays(std::move(raw), policy);
  out->set_encoding(encoding);
  out->set_data(std::move(packed.data));
  out->set_count(static_cast<uint32_t>(count));
  out->set_compression(packed.compression);
}

std::string EncodingName(int encoding) {
  if (tandem::v1::ProbEncoding_IsValid(encoding)) {
    return tandem::v1::ProbEncoding_Name(static_cast<tandem::v1::ProbEncoding>(encoding));
  }
  return absl::StrCat("unknown encoding ", encoding);
}

// Checks count and byte length, and returns the raw payload.
absl::StatusOr<absl::string_view> CheckedPayload(const tandem::v1::PackedProbs& packed,
                                                 size_t expected_count, size_t width,
                                                 std::string* storage) {
  if (packed.count() != expected_count) {
    return absl::InvalidArgumentError(absl::StrCat("PackedProbs (", EncodingName(packed.encoding()),
                                                   ") holds ", packed.count(), " values, expected ",
                                                   expected_count));
  }
  TANDEM_ASSIGN_OR_RETURN(
      const absl::string_view raw,
      RawPayload(packed.data(), packed.compression(), expected_count * width, storage));
  if (raw.size() != expected_count * width) {
    return absl::InvalidArgumentError(
        absl::StrCat("PackedProbs (", EncodingName(packed.encoding()), ") has ", raw.size(),
                     " bytes", raw.size() % width != 0 ? " (not a multiple of the " : "",
                     raw.size() % width != 0 ? absl::StrCat(width, "-byte value size)") : "",
                     ", expected ", expected_count, " x ", width, " = ", expected_count * width));
  }
  return raw;
}

}  // namespace

void EncodeFixed16(absl::Span<const uint32_t> masses, const CompressionPolicy& policy,
                   tandem::v1::PackedProbs* out) {
  std::string raw;
  raw.reserve(masses.size() * 2);
  for (const uint32_t m : masses) {
    ABSL_CHECK(m >= 1 && m <= kFixed16MaxMass) << "FIXED16 mass " << m << " outside [1, 65536]";
    AppendLe16(static_cast<uint16_t>(m - 1), &raw);
  }
  Finish(std::move(raw), tandem::v1::PROB_FIXED16, masses.size(), policy, out);
}

void EncodeFloat32(absl::Span<const float> probs, const CompressionPolicy& policy,
                   tandem::v1::PackedProbs* out) {
  std::string raw;
  raw.reserve(probs.size() * 4);
  for (const float p : probs) {
    uint32_t bits;
    std::memcpy(&bits, &p, sizeof(bits));
    AppendLe32(bits, &raw);
  }
  Finish(std::move(raw), tandem::v1::PROB_FLOAT32, probs.size(), policy, out);
}

void EncodeFloat16(absl::Span<const float> probs, const CompressionPolicy& policy,
                   tandem::v1::PackedProbs* out) {
  std::string raw;
  raw.reserve(probs.size() * 2);
  for (const float p : probs) AppendLe16(FloatToHalfBits(p), &raw);
  Finish(std::move(raw), tandem::v1::PROB_FLOAT16, probs.size(), policy, out);
}

absl::StatusOr<std::vector<uint32_t>> DecodeFixed16(const tandem::v1::PackedProbs& packed,
                                                    size_t expected_count) {
  if (packed.encoding() != tandem::v1::PROB_FIXED16) {
    return absl::InvalidArgumentError(absl::StrCat(
        "PackedProbs encoding: expected PROB_FIXED16, got ", EncodingName(packed.encoding())));
  }
  std::string storage;
  TANDEM_ASSIGN_OR_RETURN(const absl::string_view raw,
                          CheckedPayload(packed, expected_count, 2, &storage));
  std::vector<uint32_t> masses(expected_count);
  for (size_t i = 0; i < expected_count; ++i) {
    masses[i] = static_cast<uint32_t>(ReadLe16(raw.data() + 2 * i)) + 1;
  }
  return masses;
}

absl::StatusOr<std::vector<float>> DecodeFloats(const tandem::v1::PackedProbs& packed,
                                                size_t expected_count) {
  const bool is32 = packed.encoding() == tandem::v1::PROB_FLOAT32;
  const bool is16 = packed.encoding() == tandem::v1::PROB_FLOAT16;
  if (!is32 && !is16) {
    return absl::InvalidArgumentError(
        absl::StrCat("PackedProbs encoding: expected PROB_FLOAT32 or PROB_FLOAT16, got ",
                     EncodingName(packed.encoding())));
  }
  const size_t width = is32 ? 4 : 2;
  std::string storage;
  TANDEM_ASSIGN_OR_RETURN(const absl::string_view raw,
                          CheckedPayload(packed, expected_count, width, &storage));
  std::vector<float> probs(expected_count);
  for (size_t i = 0; i < expected_count; ++i) {
    const char* p = raw.data() + width * i;
    float value;
    if (is32) {
      const uint32_t bits = ReadLe32(p);
      std::memcpy(&value, &bits, sizeof(value));
    } else {
      value = HalfBitsToFloat(ReadLe16(p));
    }
    // Written so that NaN fails the test too.
    if (!(value >= 0.0f && value <= 1.0f)) {
      return absl::InvalidArgumentError(
          absl::StrCat("PackedProbs (", EncodingName(packed.encoding()), ") value #", i, " is ",
                       value, ", not a probability in [0, 1]"));
    }
    probs[i] = value + 0.0f;  // -0 -> +0
  }
  return probs;
}

}  // namespace tandem::wire
