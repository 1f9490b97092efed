#ifndef TANDEM_COMMON_WIRE_STATUS_PROTO_H_
#define TANDEM_COMMON_WIRE_STATUS_PROTO_H_

// The one place where absl::Status meets the wire: tandem.v1.Error (sent in
// the stream before it ends) and grpc::Status (the RPC's final status).
//
// absl::StatusCode and grpc::StatusCode both number the canonical codes
// 0..16 identically (OK=0 ... UNAUTHENTICATED=16), so codes map 1:1 and
// messages are copied verbatim. Not carried: absl::Status payloads and
// grpc::Status error_details (Tandem uses neither). A code outside 0..16
// from a peer becomes kUnknown, with the number kept in the message.

#include "absl/status/status.h"
#include "grpcpp/support/status.h"
#include "proto/tandem/v1/tandem.pb.h"

namespace tandem::wire {

// An Error message reports a failure, so `status` should not be OK; an OK
// status gives code 0 with an empty message (which ErrorToStatus refuses).
tandem::v1::Error StatusToError(const absl::Status& status);

// The status a peer's Error reports. Code 0 (OK) is a peer bug (an Error
// that reports success) and reads as kUnknown, so that it can never be
// mistaken for success; so does a code outside 0..16. The message names the
// original code in both cases.
absl::Status ErrorToStatus(const tandem::v1::Error& error);

// OK <-> OK; otherwise the same code and message.
grpc::Status StatusToGrpc(const absl::Status& status);
absl::Status GrpcToStatus(const grpc::Status& status);

}  // namespace tandem::wire

#endif  // TANDEM_COMMON_WIRE_STATUS_PROTO_H_
