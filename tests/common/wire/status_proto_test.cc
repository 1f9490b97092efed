#include "common/wire/status_proto.h"

#include <string>

#include "catch2/catch.hpp"

namespace tandem::wire {
namespace {

using ::Catch::Matchers::Contains;

// Every canonical code, OK included.
constexpr absl::StatusCode kAllCodes[] = {
    absl::StatusCode::kOk,
    absl::StatusCode::kCancelled,
    absl::StatusCode::kUnknown,
    absl::StatusCode::kInvalidArgument,
    absl::StatusCode::kDeadlineExceeded,
    absl::StatusCode::kNotFound,
    absl::StatusCode::kAlreadyExists,
    absl::StatusCode::kPermissionDenied,
    absl::StatusCode::kResourceExhausted,
    absl::StatusCode::kFailedPrecondition,
    absl::StatusCode::kAborted,
    absl::StatusCode::kOutOfRange,
    absl::StatusCode::kUnimplemented,
    absl::StatusCode::kInternal,
    absl::StatusCode::kUnavailable,
    absl::StatusCode::kDataLoss,
    absl::StatusCode::kUnauthenticated,
};

TEST_CASE("StatusToError and ErrorToStatus round-trip every error code", "[wire]") {
  int checked = 0;
  for (const absl::StatusCode code : kAllCodes) {
    if (code == absl::StatusCode::kOk) continue;
    const absl::Status status(code, "epoch 3 is stale; resync");
    const tandem::v1::Error error = StatusToError(status);
    CHECK(error.code() == static_cast<int>(code));
    CHECK(error.message() == "epoch 3 is stale; resync");
    CHECK(ErrorToStatus(error) == status);
    ++checked;
  }
  CHECK(checked == 16);
}

TEST_CASE("StatusToGrpc and GrpcToStatus round-trip every code, OK included", "[wire]") {
  for (const absl::StatusCode code : kAllCodes) {
    const absl::Status status = code == absl::StatusCode::kOk
                                    ? absl::OkStatus()
                                    : absl::Status(code, "queue full, retry later");
    const grpc::Status grpc_status = StatusToGrpc(status);
    CHECK(static_cast<int>(grpc_status.error_code()) == static_cast<int>(code));
    CHECK(grpc_status.error_message() == std::string(status.message()));
    CHECK(GrpcToStatus(grpc_status) == status);
  }
}

TEST_CASE("StatusToGrpc: codes keep their meaning", "[wire]") {
  CHECK(StatusToGrpc(absl::AbortedError("x")).error_code() == grpc::StatusCode::ABORTED);
  CHECK(StatusToGrpc(absl::UnavailableError("x")).error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(StatusToGrpc(absl::InvalidArgumentError("x")).error_code() ==
        grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(GrpcToStatus(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "late")) ==
        absl::DeadlineExceededError("late"));
  CHECK(StatusToGrpc(absl::OkStatus()).ok());
}

TEST_CASE("ErrorToStatus: an Error with code 0 is never read as success", "[wire]") {
  tandem::v1::Error error;
  error.set_code(0);
  error.set_message("oops");
  const absl::Status status = ErrorToStatus(error);
  CHECK(status.code() == absl::StatusCode::kUnknown);
  CHECK_THAT(std::string(status.message()), Contains("code 0"));
  CHECK_THAT(std::string(status.message()), Contains("oops"));
}

TEST_CASE("ErrorToStatus and GrpcToStatus: codes outside 0..16 become Unknown, keeping the number",
          "[wire]") {
  for (const int code : {17, 42, -1}) {
    tandem::v1::Error error;
    error.set_code(code);
    error.set_message("from the future");
    const absl::Status status = ErrorToStatus(error);
    CHECK(status.code() == absl::StatusCode::kUnknown);
    CHECK_THAT(std::string(status.message()), Contains("code " + std::to_string(code)));
    CHECK_THAT(std::string(status.message()), Contains("from the future"));
  }
  const absl::Status status = GrpcToStatus(grpc::Status(static_cast<grpc::StatusCode>(42), "odd"));
  CHECK(status.code() == absl::StatusCode::kUnknown);
  CHECK_THAT(std::string(status.message()), Contains("code 42"));
}

}  // namespace
}  // namespace tandem::wire
