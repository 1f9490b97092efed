#ifndef TANDEM_TESTS_TESTING_PROTOCOL_MESSAGES_H_
#define TANDEM_TESTS_TESTING_PROTOCOL_MESSAGES_H_

// Hand-built protocol messages for tests that talk to tandem-cloud over a
// raw gRPC stream (abuse, shutdown).

#include <vector>

#include "common/model/model_identity.h"
#include "common/model/tokenizer/tokenizer.h"
#include "common/wire/packed_ids.h"
#include "common/wire/protocol_version.h"
#include "proto/tandem/v1/tandem.pb.h"

namespace tandem::testing {

// A valid Open for a greedy, exact, synchronous session with `tokenizer`'s
// fingerprint; tests alter fields to make it invalid.
inline tandem::v1::EdgeMessage OpenMessage(const model::Tokenizer& tokenizer,
                                           const std::vector<int32_t>& prompt) {
  tandem::v1::EdgeMessage message;
  tandem::v1::Open* open = message.mutable_open();
  open->set_protocol_version(wire::kProtocolVersion);
  const model::TokenizerIdentity id = model::IdentityOf(tokenizer);
  open->mutable_draft()->set_vocab_size(id.vocab_size);
  open->mutable_draft()->set_token_text_hash(id.token_text_hash);
  if (id.eos_id >= 0) open->mutable_draft()->add_eos_ids(id.eos_id);
  open->mutable_draft()->set_bos_id(id.bos_id);
  open->set_verification(tandem::v1::VERIFICATION_MODE_EXACT);
  open->set_decoding(tandem::v1::DECODING_MODE_SYNC);
  open->set_max_new_tokens(64);
  wire::EncodeIds(prompt, {}, open->mutable_prompt());
  return message;
}

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_TESTING_PROTOCOL_MESSAGES_H_
