#include "common/wire/payload_size.h"

#include <algorithm>

#include "common/base/logging.h"

namespace tandem::wire {
namespace {

size_t VarintBytes(uint32_t value) {
  size_t n = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++n;
  }
  return n;
}

size_t EdgePayload(const tandem::v1::EdgeMessage& message) {
  switch (message.kind_case()) {
    case tandem::v1::EdgeMessage::kOpen:
      return message.open().prompt().data().size();
    case tandem::v1::EdgeMessage::kDraft: {
      const tandem::v1::Draft& draft = message.draft();
      size_t n = draft.tokens().data().size() + draft.q().data().size() +
                 draft.support_ids().data().size() + draft.support_probs().data().size();
      for (const uint32_t size : draft.support_sizes()) n += VarintBytes(size);
      return n;
    }
    case tandem::v1::EdgeMessage::kResample:
    case tandem::v1::EdgeMessage::kClose:
    case tandem::v1::EdgeMessage::KIND_NOT_SET:
      return 0;
  }
  return 0;
}

size_t CloudPayload(const tandem::v1::CloudMessage& message) {
  switch (message.kind_case()) {
    case tandem::v1::CloudMessage::kVerdict: {
      const tandem::v1::Verdict& v = message.verdict();
      return v.candidate_ids().data().size() + v.candidate_probs().data().size() +
             v.topk_ids().data().size() + v.topk_probs().data().size() +
             v.dense_probs().data().size() + (v.token() >= 0 ? sizeof(int32_t) : 0);
    }
    case tandem::v1::CloudMessage::kTokens:
      return message.tokens().ids().data().size();
    case tandem::v1::CloudMessage::kOpened:
    case tandem::v1::CloudMessage::kError:
    case tandem::v1::CloudMessage::KIND_NOT_SET:
      return 0;
  }
  return 0;
}

WireBytes Frame(size_t payload, size_t message, size_t max_frame_bytes) {
  ABSL_CHECK_GT(max_frame_bytes, 0u);
  const size_t grpc_bytes = message + kGrpcMessagePrefixBytes;
  const size_t frames = std::max<size_t>(1, (grpc_bytes + max_frame_bytes - 1) / max_frame_bytes);
  WireBytes bytes;
  bytes.payload = payload;
  bytes.message = message;
  bytes.framed = grpc_bytes + kHttp2FrameHeaderBytes * frames;
  return bytes;
}

}  // namespace

WireBytes MeasureWireBytes(const tandem::v1::EdgeMessage& message, size_t max_frame_bytes) {
  return Frame(EdgePayload(message), message.ByteSizeLong(), max_frame_bytes);
}

WireBytes MeasureWireBytes(const tandem::v1::CloudMessage& message, size_t max_frame_bytes) {
  return Frame(CloudPayload(message), message.ByteSizeLong(), max_frame_bytes);
}

}  // namespace tandem::wire
