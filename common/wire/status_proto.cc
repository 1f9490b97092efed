#include "common/wire/status_proto.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace tandem::wire {
namespace {

// The largest canonical code, kUnauthenticated; both enums stop there.
constexpr int kMaxCanonicalCode = 16;
static_assert(static_cast<int>(absl::StatusCode::kUnauthenticated) == kMaxCanonicalCode);
static_assert(static_cast<int>(grpc::StatusCode::UNAUTHENTICATED) == kMaxCanonicalCode);
static_assert(static_cast<int>(absl::StatusCode::kInvalidArgument) ==
              static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
static_assert(static_cast<int>(absl::StatusCode::kAborted) ==
              static_cast<int>(grpc::StatusCode::ABORTED));

// `code` from a peer, or kUnknown with the number prepended to `message`.
absl::Status CanonicalStatus(int code, const std::string& message, absl::string_view origin) {
  if (code >= 1 && code <= kMaxCanonicalCode) {
    return absl::Status(static_cast<absl::StatusCode>(code), message);
  }
  return absl::UnknownError(absl::StrCat(
      origin, " with code ", code, ", which is not a canonical error code (1..16): ", message));
}

}  // namespace

tandem::v1::Error StatusToError(const absl::Status& status) {
  tandem::v1::Error error;
  error.set_code(static_cast<int32_t>(status.code()));
  error.set_message(std::string(status.message()));
  return error;
}

absl::Status ErrorToStatus(const tandem::v1::Error& error) {
  return CanonicalStatus(error.code(), error.message(), "peer sent an Error");
}

grpc::Status StatusToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

absl::Status GrpcToStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return CanonicalStatus(static_cast<int>(status.error_code()), status.error_message(),
                         "gRPC status");
}

}  // namespace tandem::wire
