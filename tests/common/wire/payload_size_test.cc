#include "common/wire/payload_size.h"

#include <string>

#include "catch2/catch.hpp"

namespace tandem::wire {
namespace {

// Protobuf sizes below: a field with number < 16 has a 1-byte tag; a varint
// below 128 takes 1 byte, below 16384 2 bytes; a negative int32 takes 10; a
// length-delimited field is tag + varint(length) + length; proto3 omits
// fields equal to their default (0, empty).

TEST_CASE("MeasureWireBytes: an exact-mode Draft, counted by hand", "[wire]") {
  tandem::v1::EdgeMessage message;
  tandem::v1::Draft* draft = message.mutable_draft();
  draft->set_epoch(2);                                                // tag + 1 = 2
  draft->set_seq(5);                                                  // 2
  draft->set_base_position(100);                                      // 2
  draft->mutable_tokens()->set_data(std::string("\x01\x02\x03", 3));  // data: 1+1+3 = 5
  draft->mutable_tokens()->set_count(3);                       // 2; PackedIds = 7; field: 1+1+7 = 9
  draft->set_n_prefix(1);                                      // 2
  draft->mutable_q()->set_encoding(tandem::v1::PROB_FIXED16);  // 2
  draft->mutable_q()->set_data(std::string(4, '\x10'));        // 1+1+4 = 6
  draft->mutable_q()->set_count(2);  // 2; PackedProbs = 10; field: 1+1+10 = 12
  draft->set_sent_at_us(1000);       // tag (field 10 < 16) + varint(1000) 2 bytes = 3
  // Draft = 2+2+2+9+2+12+3 = 32; EdgeMessage.draft: 1+1+32 = 34.

  const WireBytes bytes = MeasureWireBytes(message);
  CHECK(bytes.payload == 7);  // tokens.data 3 + q.data 4
  CHECK(bytes.message == 34);
  CHECK(bytes.message == message.SerializeAsString().size());
  CHECK(bytes.framed == 48);  // 34 + 5 (gRPC prefix) + 9 (one DATA frame header)
}

TEST_CASE("MeasureWireBytes: a sparse-draft Draft counts support sizes as varints", "[wire]") {
  tandem::v1::EdgeMessage message;
  tandem::v1::Draft* draft = message.mutable_draft();
  draft->set_seq(1);                                              // 2 (epoch 0 omitted)
  draft->set_base_position(10);                                   // 2
  draft->mutable_tokens()->set_data(std::string("\x07\x08", 2));  // 1+1+2 = 4
  draft->mutable_tokens()->set_count(2);  // 2; PackedIds = 6; field: 1+1+6 = 8
  draft->add_support_sizes(200);          // varint 2 bytes
  draft->add_support_sizes(1);            // varint 1 byte; packed field: 1+1+3 = 5
  draft->mutable_support_ids()->set_data(std::string(201, 'x'));  // 1 + 2 + 201 = 204
  draft->mutable_support_ids()->set_count(201);  // 1 + 2 = 3; PackedIds = 207; field: 1+2+207 = 210
  draft->mutable_support_probs()->set_encoding(tandem::v1::PROB_FIXED16);  // 2
  draft->mutable_support_probs()->set_data(std::string(402, 'y'));         // 1 + 2 + 402 = 405
  draft->mutable_support_probs()->set_count(201);  // 3; PackedProbs = 410; field: 1+2+410 = 413
  // Draft = 2+2+8+5+210+413 = 640; EdgeMessage.draft: 1 + 2 + 640 = 643.

  const WireBytes bytes = MeasureWireBytes(message);
  CHECK(bytes.payload == 608);  // tokens 2 + sizes 3 + support_ids 201 + support_probs 402
  CHECK(bytes.message == 643);
  CHECK(bytes.message == message.SerializeAsString().size());
  CHECK(bytes.framed == 657);  // 643 + 14
}

TEST_CASE("MeasureWireBytes: a rejecting exact-mode Verdict, counted by hand", "[wire]") {
  tandem::v1::CloudMessage message;
  tandem::v1::Verdict* verdict = message.mutable_verdict();
  verdict->set_epoch(2);                                     // 2
  verdict->set_seq(5);                                       // 2
  verdict->set_n_accepted(3);                                // 2
  verdict->set_status(tandem::v1::VERDICT_STATUS_REJECTED);  // 2
  verdict->set_token(-1);  // tag + 10-byte varint = 11; not payload (edge resolves)
  verdict->mutable_candidate_ids()->set_data(std::string("\x05\x81\x01", 3));  // 1+1+3 = 5
  verdict->mutable_candidate_ids()->set_count(2);  // 2; PackedIds = 7; field: 1+1+7 = 9
  verdict->mutable_candidate_probs()->set_encoding(tandem::v1::PROB_FLOAT32);  // 2
  verdict->mutable_candidate_probs()->set_data(std::string(8, '\x3E'));        // 1+1+8 = 10
  verdict->mutable_candidate_probs()->set_count(2);  // 2; PackedProbs = 14; field: 1+1+14 = 16
  verdict->set_verify_us(1500);                      // tag + 2 = 3
  verdict->set_echo_sent_at_us(1000);                // tag + 2 = 3
  // Verdict = 2+2+2+2+11+9+16+3+3 = 50; CloudMessage.verdict: 1+1+50 = 52.

  const WireBytes bytes = MeasureWireBytes(message);
  CHECK(bytes.payload == 11);  // candidate_ids.data 3 + candidate_probs.data 8
  CHECK(bytes.message == 52);
  CHECK(bytes.message == message.SerializeAsString().size());
  CHECK(bytes.framed == 66);  // 52 + 14
}

TEST_CASE("MeasureWireBytes: a Verdict's token counts 4 payload bytes when set", "[wire]") {
  tandem::v1::CloudMessage message;
  tandem::v1::Verdict* verdict = message.mutable_verdict();
  verdict->set_epoch(2);                                         // 2
  verdict->set_seq(6);                                           // 2
  verdict->set_n_accepted(4);                                    // 2
  verdict->set_status(tandem::v1::VERDICT_STATUS_ALL_ACCEPTED);  // 2
  verdict->set_token(42);                                        // 2
  // Verdict = 10; CloudMessage.verdict: 1+1+10 = 12.
  const WireBytes bytes = MeasureWireBytes(message);
  CHECK(bytes.payload == 4);
  CHECK(bytes.message == 12);
  CHECK(bytes.framed == 26);
}

TEST_CASE("MeasureWireBytes: a message over 16 KiB pays one DATA frame header per 16384 bytes",
          "[wire]") {
  tandem::v1::CloudMessage message;
  tandem::v1::Verdict* verdict = message.mutable_verdict();
  verdict->set_token(-1);                                                  // 11
  verdict->mutable_dense_probs()->set_encoding(tandem::v1::PROB_FLOAT32);  // 2
  verdict->mutable_dense_probs()->set_data(std::string(40000, 'z'));       // 1 + 3 + 40000 = 40004
  verdict->mutable_dense_probs()->set_count(10000);  // 1 + 2 = 3; PackedProbs = 40009
  // dense_probs field: 1 + 3 + 40009 = 40013; Verdict = 40024;
  // CloudMessage.verdict: 1 + 3 + 40024 = 40028.
  const WireBytes bytes = MeasureWireBytes(message);
  CHECK(bytes.payload == 40000);
  CHECK(bytes.message == 40028);
  // gRPC bytes 40028 + 5 = 40033 -> ceil(40033 / 16384) = 3 DATA frames.
  CHECK(bytes.framed == 40033 + 3 * 9);
  // With a peer that allows 64 KiB frames it is one frame.
  CHECK(MeasureWireBytes(message, 65536).framed == 40033 + 9);
}

TEST_CASE("MeasureWireBytes: Open counts the prompt and control messages have no payload",
          "[wire]") {
  tandem::v1::EdgeMessage open;
  open.mutable_open()->set_protocol_version(1);                             // 2
  open.mutable_open()->mutable_prompt()->set_data(std::string(5, '\x09'));  // 1+1+5 = 7
  open.mutable_open()->mutable_prompt()->set_count(5);  // 2; PackedIds = 9; field: 1+1+9 = 11
  // Open = 13; EdgeMessage.open: 1+1+13 = 15.
  const WireBytes open_bytes = MeasureWireBytes(open);
  CHECK(open_bytes.payload == 5);
  CHECK(open_bytes.message == 15);
  CHECK(open_bytes.framed == 29);

  tandem::v1::EdgeMessage resample;
  resample.mutable_resample()->set_epoch(1);      // 2
  resample.mutable_resample()->set_position(50);  // 2
  resample.mutable_resample()->set_count(8);      // 2; Resample = 6; field: 1+1+6 = 8
  const WireBytes resample_bytes = MeasureWireBytes(resample);
  CHECK(resample_bytes.payload == 0);
  CHECK(resample_bytes.message == 8);
  CHECK(resample_bytes.framed == 22);

  tandem::v1::CloudMessage error;
  error.mutable_error()->set_code(14);         // 2
  error.mutable_error()->set_message("busy");  // 1+1+4 = 6; Error = 8; field: 1+1+8 = 10
  const WireBytes error_bytes = MeasureWireBytes(error);
  CHECK(error_bytes.payload == 0);
  CHECK(error_bytes.message == 10);

  const WireBytes empty = MeasureWireBytes(tandem::v1::CloudMessage());
  CHECK(empty.payload == 0);
  CHECK(empty.message == 0);
  CHECK(empty.framed == 14);
}

}  // namespace
}  // namespace tandem::wire
