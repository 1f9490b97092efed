#include "cloud/verifier_service.h"

#include "cloud/session_reactor.h"

namespace tandem::cloud {

grpc::ServerBidiReactor<tandem::v1::EdgeMessage, tandem::v1::CloudMessage>*
VerifierService::Session(grpc::CallbackServerContext* context) {
  return new SessionReactor(resources_, context);
}

}  // namespace tandem::cloud
