#ifndef TANDEM_TESTS_TESTING_FORWARDING_TRANSPORT_H_
#define TANDEM_TESTS_TESTING_FORWARDING_TRANSPORT_H_

#include <memory>
#include <utility>

#include "edge/verifier_transport.h"

namespace tandem::testing {

// Passes every call to an inner transport. Tests derive from it to watch or
// rewrite one direction (override Send or Receive) and leave the rest as is.
class ForwardingTransport : public edge::VerifierTransport {
 public:
  explicit ForwardingTransport(std::unique_ptr<edge::VerifierTransport> inner)
      : inner_(std::move(inner)) {}
  absl::Status Send(const tandem::v1::EdgeMessage& message) override {
    return inner_->Send(message);
  }
  absl::StatusOr<tandem::v1::CloudMessage> Receive() override { return inner_->Receive(); }
  void CloseSend() override { inner_->CloseSend(); }
  void Cancel() override { inner_->Cancel(); }
  absl::Status Finish() override { return inner_->Finish(); }

 private:
  std::unique_ptr<edge::VerifierTransport> inner_;
};

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_TESTING_FORWARDING_TRANSPORT_H_
