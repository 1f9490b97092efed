#ifndef TANDEM_TESTS_TESTING_RAW_SESSION_H_
#define TANDEM_TESTS_TESTING_RAW_SESSION_H_

// A raw gRPC session with tandem-cloud: the test writes protocol messages by
// hand (abuse, correction branches).

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/wire/packed_ids.h"
#include "proto/tandem/v1/tandem.grpc.pb.h"

namespace tandem::testing {

struct RawSession {
  using Stream = grpc::ClientReaderWriter<tandem::v1::EdgeMessage, tandem::v1::CloudMessage>;

  explicit RawSession(const std::string& address)
      : channel(grpc::CreateChannel(address, grpc::InsecureChannelCredentials())),
        stub(tandem::v1::Verifier::NewStub(channel)),
        stream(stub->Session(&context)) {}

  // Writes, then returns the next message, or the final status if none.
  absl::StatusOr<tandem::v1::CloudMessage> Exchange(const tandem::v1::EdgeMessage& message) {
    stream->Write(message);
    return Next();
  }
  absl::StatusOr<tandem::v1::CloudMessage> Next() {
    tandem::v1::CloudMessage reply;
    if (stream->Read(&reply)) return reply;
    grpc::Status status = stream->Finish();
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  }
  grpc::StatusCode FinishCode() {
    stream->WritesDone();
    tandem::v1::CloudMessage ignored;
    while (stream->Read(&ignored)) {
    }
    return stream->Finish().error_code();
  }

  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<tandem::v1::Verifier::Stub> stub;
  grpc::ClientContext context;
  std::unique_ptr<Stream> stream;
};

// A greedy Draft (ids only): `tokens` from `base`, the first n_prefix of
// them committed.
inline tandem::v1::EdgeMessage DraftMessage(uint32_t epoch, uint32_t seq, uint32_t base,
                                            const std::vector<int32_t>& tokens, uint32_t n_prefix) {
  tandem::v1::EdgeMessage message;
  tandem::v1::Draft* draft = message.mutable_draft();
  draft->set_epoch(epoch);
  draft->set_seq(seq);
  draft->set_base_position(base);
  draft->set_n_prefix(n_prefix);
  wire::EncodeIds(tokens, {}, draft->mutable_tokens());
  return message;
}

// The status code a reply carries: its Error's, the stream's, or OK.
inline absl::StatusCode ErrorCode(const absl::StatusOr<tandem::v1::CloudMessage>& reply) {
  if (!reply.ok()) return reply.status().code();
  if (reply->has_error()) return static_cast<absl::StatusCode>(reply->error().code());
  return absl::StatusCode::kOk;
}

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_TESTING_RAW_SESSION_H_
