#include "common/wire/packed_ids.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/base/logging.h"
#include "common/base/status_macros.h"

namespace tandem::wire {

void EncodeIds(absl::Span<const int32_t> ids, const CompressionPolicy& policy,
               tandem::v1::PackedIds* out) {
  std::string raw;
  raw.reserve(ids.size() * 3);  // 3 bytes covers vocabularies below 2^21
  for (const int32_t id : ids) {
    ABSL_CHECK_GE(id, 0) << "token ids are never negative";
    uint32_t v = static_cast<uint32_t>(id);
    while (v >= 0x80) {
      raw.push_back(static_cast<char>((v & 0x7F) | 0x80));
      v >>= 7;
    }
    raw.push_back(static_cast<char>(v));
  }
  CompressedBytes packed = CompressIfItPays(std::move(raw), policy);
  out->set_data(std::move(packed.data));
  out->set_count(static_cast<uint32_t>(ids.size()));
  out->set_compression(packed.compression);
}

absl::StatusOr<std::vector<int32_t>> DecodeIds(const tandem::v1::PackedIds& packed,
                                               int32_t vocab_size, size_t max_count) {
  const size_t count = packed.count();
  if (count > max_count) {
    return absl::InvalidArgumentError(
        absl::StrCat("PackedIds holds ", count, " ids, more than the limit of ", max_count));
  }
  std::string storage;
  TANDEM_ASSIGN_OR_RETURN(
      const absl::string_view raw,
      RawPayload(packed.data(), packed.compression(), count * kMaxVarintBytes, &storage));

  std::vector<int32_t> ids;
  ids.reserve(std::min(count, raw.size()));  // every id takes >= 1 byte
  size_t pos = 0;
  while (pos < raw.size()) {
    if (ids.size() == count) {
      return absl::InvalidArgumentError(absl::StrCat("PackedIds count mismatch: count is ", count,
                                                     " but ", raw.size() - pos,
                                                     " bytes remain after the last id"));
    }
    const size_t start = pos;
    uint64_t value = 0;
    bool done = false;
    for (size_t i = 0; i < kMaxVarintBytes && pos < raw.size(); ++i) {
      const uint8_t byte = static_cast<uint8_t>(raw[pos++]);
      value |= static_cast<uint64_t>(byte & 0x7F) << (7 * i);
      if ((byte & 0x80) == 0) {
        done = true;
        break;
      }
    }
    if (!done) {
      if (pos - start == kMaxVarintBytes) {
        return absl::InvalidArgumentError(absl::StrCat("PackedIds: varint of id #", ids.size(),
                                                       " at byte ", start, " is longer than ",
                                                       kMaxVarintBytes, " bytes"));
      }
      return absl::InvalidArgumentError(
          absl::StrCat("PackedIds: varint of id #", ids.size(), " at byte ", start,
                       " is truncated (data ends after ", pos - start, " bytes)"));
    }
    // vocab_size <= 2^31 - 1, so this also rejects anything above int32.
    if (value >= static_cast<uint64_t>(vocab_size < 0 ? 0 : vocab_size)) {
      return absl::InvalidArgumentError(absl::StrCat("PackedIds: id #", ids.size(), " is ", value,
                                                     ", outside the vocabulary of ", vocab_size,
                                                     " tokens"));
    }
    ids.push_back(static_cast<int32_t>(value));
  }
  if (ids.size() != count) {
    return absl::InvalidArgumentError(absl::StrCat("PackedIds count mismatch: count is ", count,
                                                   " but the data holds ", ids.size(), " ids"));
  }
  return ids;
}

}  // namespace tandem::wire
