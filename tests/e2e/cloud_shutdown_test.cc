// Graceful shutdown (what SIGTERM triggers in tandem-cloud): new sessions
// are refused with UNAVAILABLE while an open session keeps working to its
// end; then the server stops.

#include <grpcpp/grpcpp.h>

#include "catch2/catch.hpp"
#include "common/model/model_identity.h"
#include "common/wire/packed_ids.h"
#include "common/wire/protocol_version.h"
#include "proto/tandem/v1/tandem.grpc.pb.h"
#include "tests/testing/cloud_fixture.h"
#include "tests/testing/protocol_messages.h"

namespace tandem {
namespace {

namespace v1 = ::tandem::v1;

using testing::OpenMessage;

TEST_CASE("tandem-cloud shutdown: new sessions refused, an open session finishes",
          "[e2e][integration][shutdown]") {
  auto tokenizer = model::Tokenizer::FromDirectory(testing::TargetDir());
  REQUIRE(tokenizer.ok());
  auto cloud = testing::StartCloud(testing::TargetDir());
  const std::string address = testing::Address(*cloud);
  auto prompt = (*tokenizer)->Encode("import os", /*add_special_tokens=*/true);
  REQUIRE(prompt.ok());

  // An open session, before the shutdown begins.
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  auto stub = v1::Verifier::NewStub(channel);
  grpc::ClientContext context;
  auto stream = stub->Session(&context);
  REQUIRE(stream->Write(OpenMessage(**tokenizer, *prompt)));
  v1::CloudMessage reply;
  REQUIRE(stream->Read(&reply));
  REQUIRE(reply.has_opened());

  cloud->BeginShutdown();

  // A new session is refused, cleanly.
  {
    grpc::ClientContext refused_context;
    auto refused = stub->Session(&refused_context);
    refused->Write(OpenMessage(**tokenizer, *prompt));
    v1::CloudMessage ignored;
    CHECK_FALSE(refused->Read(&ignored));
    const grpc::Status status = refused->Finish();
    CHECK(status.error_code() == grpc::StatusCode::UNAVAILABLE);
    CHECK_THAT(status.error_message(), Catch::Contains("shutting down"));
  }

  // The open session still verifies a chunk (greedy: prefix-free draft of
  // one token; whatever the verdict, it is answered).
  v1::EdgeMessage draft;
  draft.mutable_draft()->set_seq(0);
  draft.mutable_draft()->set_base_position(static_cast<uint32_t>(prompt->size()));
  wire::EncodeIds({5}, {}, draft.mutable_draft()->mutable_tokens());
  REQUIRE(stream->Write(draft));
  REQUIRE(stream->Read(&reply));
  CHECK(reply.has_verdict());
  v1::EdgeMessage close;
  close.mutable_close();
  REQUIRE(stream->Write(close));
  stream->WritesDone();
  while (stream->Read(&reply)) {
  }
  CHECK(stream->Finish().ok());

  // Nothing is open any more: the shutdown completes without cancelling.
  CHECK(cloud->resources().sessions->AwaitAtMost(0, absl::Seconds(30)));
  cloud->Shutdown(absl::Seconds(30));
}

}  // namespace
}  // namespace tandem
