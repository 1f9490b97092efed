#include "edge/grpc_verifier_transport.h"

#include "absl/strings/str_cat.h"
#include "common/wire/status_proto.h"

namespace tandem::edge {

absl::StatusOr<std::unique_ptr<GrpcVerifierTransport>> GrpcVerifierTransport::Connect(
    const Options& options) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options.max_message_bytes);
  args.SetMaxSendMessageSize(options.max_message_bytes);
  std::unique_ptr<GrpcVerifierTransport> transport(new GrpcVerifierTransport());
  transport->channel_ =
      grpc::CreateCustomChannel(options.address, grpc::InsecureChannelCredentials(), args);
  const auto deadline =
      std::chrono::system_clock::now() +
      std::chrono::microseconds(absl::ToInt64Microseconds(options.connect_timeout));
  if (!transport->channel_->WaitForConnected(deadline)) {
    return absl::UnavailableError(absl::StrCat("cannot reach tandem-cloud at ", options.address,
                                               " within ",
                                               absl::FormatDuration(options.connect_timeout),
                                               "; is it running, and is --cloud HOST:PORT right?"));
  }
  transport->stub_ = tandem::v1::Verifier::NewStub(transport->channel_);
  transport->stream_ = transport->stub_->Session(&transport->context_);
  return transport;
}

absl::Status GrpcVerifierTransport::Send(const tandem::v1::EdgeMessage& message) {
  {
    absl::MutexLock lock(&mu_);
    if (writes_done_) return absl::FailedPreconditionError("Send after CloseSend");
  }
  if (!stream_->Write(message)) {
    return absl::UnavailableError("the stream to tandem-cloud is closed");
  }
  return absl::OkStatus();
}

absl::StatusOr<tandem::v1::CloudMessage> GrpcVerifierTransport::Receive() {
  tandem::v1::CloudMessage message;
  if (stream_->Read(&message)) return message;
  absl::Status status = FinishCall();
  if (status.ok()) return absl::UnavailableError("tandem-cloud ended the stream");
  return status;
}

void GrpcVerifierTransport::CloseSend() {
  absl::MutexLock lock(&mu_);
  if (writes_done_) return;
  writes_done_ = true;
  stream_->WritesDone();
}

void GrpcVerifierTransport::Cancel() { context_.TryCancel(); }

absl::Status GrpcVerifierTransport::FinishCall() {
  absl::MutexLock lock(&mu_);
  if (!finished_) {
    final_status_ = wire::GrpcToStatus(stream_->Finish());
    finished_ = true;
  }
  return final_status_;
}

absl::Status GrpcVerifierTransport::Finish() {
  CloseSend();
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return final_status_;
  }
  // Drain what the server still sends so the call can complete.
  tandem::v1::CloudMessage ignored;
  while (stream_->Read(&ignored)) {
  }
  return FinishCall();
}

}  // namespace tandem::edge
