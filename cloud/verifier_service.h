#ifndef TANDEM_CLOUD_VERIFIER_SERVICE_H_
#define TANDEM_CLOUD_VERIFIER_SERVICE_H_

#include "cloud/cloud_resources.h"
#include "proto/tandem/v1/tandem.grpc.pb.h"

namespace tandem::cloud {

// Verifier.Session: one SessionReactor per stream.
class VerifierService final : public tandem::v1::Verifier::CallbackService {
 public:
  explicit VerifierService(CloudResources& resources) : resources_(resources) {}

  grpc::ServerBidiReactor<tandem::v1::EdgeMessage, tandem::v1::CloudMessage>* Session(
      grpc::CallbackServerContext* context) override;

 private:
  CloudResources& resources_;
};

}  // namespace tandem::cloud

#endif  // TANDEM_CLOUD_VERIFIER_SERVICE_H_
