#ifndef TANDEM_EDGE_VERIFIER_TRANSPORT_H_
#define TANDEM_EDGE_VERIFIER_TRANSPORT_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/tandem/v1/tandem.pb.h"

namespace tandem::edge {

// The edge's view of one session stream to the cloud verifier: gRPC in
// production (GrpcVerifierTransport), delayed or scripted in tests.
// Send and Receive may be called from different threads (one each);
// CloseSend and Cancel from any thread; Finish only when no Receive runs.
class VerifierTransport {
 public:
  virtual ~VerifierTransport() = default;

  // Writes one message; an error means the stream is broken.
  virtual absl::Status Send(const tandem::v1::EdgeMessage& message) = 0;
  // Blocks for the next message. When the stream has ended, returns its
  // final status (OK becomes an Unavailable "stream ended" error).
  virtual absl::StatusOr<tandem::v1::CloudMessage> Receive() = 0;
  // Half-closes the sending side (idempotent): the server then ends the
  // stream, and a blocked Receive returns.
  virtual void CloseSend() = 0;
  // Aborts the stream (error paths): unblocks Send and Receive.
  virtual void Cancel() = 0;
  // Half-closes the stream, drains it and returns the server's final status.
  virtual absl::Status Finish() = 0;
};

}  // namespace tandem::edge

#endif  // TANDEM_EDGE_VERIFIER_TRANSPORT_H_
