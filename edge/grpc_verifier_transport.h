#ifndef TANDEM_EDGE_GRPC_VERIFIER_TRANSPORT_H_
#define TANDEM_EDGE_GRPC_VERIFIER_TRANSPORT_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "edge/verifier_transport.h"
#include "proto/tandem/v1/tandem.grpc.pb.h"

namespace tandem::edge {

// A Verifier.Session stream over a real gRPC channel (HTTP/2 over TCP).
class GrpcVerifierTransport final : public VerifierTransport {
 public:
  struct Options {
    std::string address;  // host:port of tandem-cloud (or of a link emulator)
    absl::Duration connect_timeout = absl::Seconds(10);
    int max_message_bytes = 4 << 20;
  };

  // Connects (waiting up to connect_timeout) and opens the stream.
  // Unavailable names the address when the cloud cannot be reached.
  static absl::StatusOr<std::unique_ptr<GrpcVerifierTransport>> Connect(const Options& options);

  absl::Status Send(const tandem::v1::EdgeMessage& message) override;
  absl::StatusOr<tandem::v1::CloudMessage> Receive() override;
  void CloseSend() override;
  void Cancel() override;
  absl::Status Finish() override;

 private:
  GrpcVerifierTransport() = default;

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<tandem::v1::Verifier::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<tandem::v1::EdgeMessage, tandem::v1::CloudMessage>>
      stream_;
  // Finishes the call once the read side has ended.
  absl::Status FinishCall();

  absl::Mutex mu_;
  bool writes_done_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status final_status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tandem::edge

#endif  // TANDEM_EDGE_GRPC_VERIFIER_TRANSPORT_H_
