#ifndef TANDEM_COMMON_WIRE_PAYLOAD_SIZE_H_
#define TANDEM_COMMON_WIRE_PAYLOAD_SIZE_H_

// How many bytes one protocol message costs on the link, counted three ways
// for the protocol benchmark. All three are per message, in bytes, and are
// computed from the message alone (no socket is involved).
//
// payload  The information the algorithm needs to move: the `data` bytes of
//          every PackedIds / PackedProbs field as sent (i.e. after zstd when
//          compressed), plus, in full:
//            EdgeMessage.open      prompt.data
//            EdgeMessage.draft     tokens.data + q.data + support_ids.data
//                                  + support_probs.data + the varint bytes of
//                                  the support_sizes values (one varint per
//                                  value, no tag or length prefix)
//            EdgeMessage.resample  0 (control only)
//            EdgeMessage.close     0
//            CloudMessage.opened   0
//            CloudMessage.verdict  candidate_ids.data + candidate_probs.data
//                                  + topk_ids.data + topk_probs.data
//                                  + dense_probs.data
//                                  + 4 if token >= 0 (one token id, counted at
//                                  its natural int32 width, not its varint)
//            CloudMessage.tokens   ids.data
//            CloudMessage.error    0
//            (no kind set)         0
//          Not payload: epochs, sequence numbers, positions, counts
//          (n_accepted, PackedX.count), encodings, status enums, timings,
//          fingerprints, sampling parameters, topk_mass, protobuf tags and
//          length prefixes.
// message  The serialized protobuf: ByteSizeLong() of the whole EdgeMessage
//          or CloudMessage (oneof wrapper tag and length included).
// framed   message + the gRPC length-prefixed-message header (5 bytes: a
//          compressed flag and a 4-byte length) + one HTTP/2 DATA frame
//          header (9 bytes) per DATA frame. gRPC splits a message into DATA
//          frames of at most the peer's SETTINGS_MAX_FRAME_SIZE (HTTP/2's
//          initial value is 16384, RFC 9113 section 6.5.2), so
//            framed = message + 5 + 9 * max(1, ceil((message + 5) / max_frame_bytes))
//          which is message + 14 for any message under 16380 bytes.
//          Not counted: the HEADERS frames that open and close the stream
//          (once per session, not per message), WINDOW_UPDATE / PING /
//          SETTINGS frames, HTTP/2 padding, TLS record overhead, TCP/IP
//          headers, and gRPC's occasional packing of several queued messages
//          into one DATA frame (which would make the real figure smaller).

#include <cstddef>

#include "proto/tandem/v1/tandem.pb.h"

namespace tandem::wire {

struct WireBytes {
  size_t payload = 0;  // data fields only (see above)
  size_t message = 0;  // serialized protobuf
  size_t framed = 0;   // message + gRPC prefix + HTTP/2 DATA frame header(s)
};

// gRPC's length-prefixed-message header: 1 flag byte + 4 length bytes.
inline constexpr size_t kGrpcMessagePrefixBytes = 5;
// HTTP/2 frame header: 3 length + 1 type + 1 flags + 4 stream id bytes.
inline constexpr size_t kHttp2FrameHeaderBytes = 9;
// HTTP/2's initial SETTINGS_MAX_FRAME_SIZE.
inline constexpr size_t kHttp2DefaultMaxFrameBytes = 16384;

// max_frame_bytes: the peer's SETTINGS_MAX_FRAME_SIZE (> 0).
WireBytes MeasureWireBytes(const tandem::v1::EdgeMessage& message,
                           size_t max_frame_bytes = kHttp2DefaultMaxFrameBytes);
WireBytes MeasureWireBytes(const tandem::v1::CloudMessage& message,
                           size_t max_frame_bytes = kHttp2DefaultMaxFrameBytes);

}  // namespace tandem::wire

#endif  // TANDEM_COMMON_WIRE_PAYLOAD_SIZE_H_
