// The Verdict's receipts (Verdict.receipt_*) through the message codec: the
// deliveries of the messages the cloud dropped, as differences from the
// verdict's own.

#include "common/wire/message_codec.h"

#include <cstdint>
#include <limits>

#include "catch2/catch.hpp"
#include "proto/tandem/v1/tandem.pb.h"

namespace tandem::wire {
namespace {

namespace v1 = ::tandem::v1;

constexpr int32_t kVocab = 512;

ChunkVerdict VerdictWithReceipts() {
  ChunkVerdict verdict;
  verdict.epoch = 3;
  verdict.seq = 17;
  verdict.n_accepted = 2;
  verdict.echo_sent_at_us = 1'795'372'496'248'916;
  verdict.received_at_us = 1'795'372'496'300'000;
  verdict.uplink_bytes_received = 12'345;
  // Earlier and later than the verdict's chunk: differences of both signs.
  verdict.receipts = {{verdict.echo_sent_at_us - 20'000, verdict.received_at_us - 19'000, 12'200},
                      {verdict.echo_sent_at_us + 3'000, verdict.received_at_us + 2'500, 12'420}};
  return verdict;
}

TEST_CASE("Verdict receipts: encoded as differences, decoded to the same deliveries",
          "[wire][receipts]") {
  const ChunkVerdict sent = VerdictWithReceipts();
  v1::Verdict proto;
  EncodeVerdict(sent, CompressionPolicy{}, &proto);
  REQUIRE(proto.receipt_sent_at_delta_us_size() == 2);
  CHECK(proto.receipt_sent_at_delta_us(0) == -20'000);
  CHECK(proto.receipt_received_at_delta_us(1) == 2'500);
  CHECK(proto.receipt_bytes_delta(0) == -145);
  auto decoded = DecodeVerdict(proto, kVocab, 16);
  REQUIRE(decoded.ok());
  CHECK(decoded->receipts == sent.receipts);
  // Small differences take a few bytes each, not eight.
  v1::Verdict without = proto;
  without.clear_receipt_sent_at_delta_us();
  without.clear_receipt_received_at_delta_us();
  without.clear_receipt_bytes_delta();
  CHECK(proto.ByteSizeLong() - without.ByteSizeLong() <= 24);
}

TEST_CASE("Verdict receipts: none by default", "[wire][receipts]") {
  ChunkVerdict sent = VerdictWithReceipts();
  sent.receipts.clear();
  v1::Verdict proto;
  EncodeVerdict(sent, CompressionPolicy{}, &proto);
  auto decoded = DecodeVerdict(proto, kVocab, 16);
  REQUIRE(decoded.ok());
  CHECK(decoded->receipts.empty());
}

TEST_CASE("Verdict receipts: lists of unequal length or too many are refused", "[wire][receipts]") {
  v1::Verdict proto;
  EncodeVerdict(VerdictWithReceipts(), CompressionPolicy{}, &proto);
  SECTION("a receive time missing") {
    proto.mutable_receipt_received_at_delta_us()->RemoveLast();
    auto decoded = DecodeVerdict(proto, kVocab, 16);
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(decoded.status().message()), Catch::Contains("must match"));
  }
  SECTION("more than kMaxReceipts") {
    for (size_t i = 0; i < kMaxReceipts; ++i) {
      proto.add_receipt_sent_at_delta_us(1);
      proto.add_receipt_received_at_delta_us(1);
      proto.add_receipt_bytes_delta(1);
    }
    auto decoded = DecodeVerdict(proto, kVocab, 16);
    REQUIRE_FALSE(decoded.ok());
    CHECK_THAT(std::string(decoded.status().message()), Catch::Contains("receipts"));
  }
}

TEST_CASE("Verdict receipts: extreme differences wrap instead of overflowing", "[wire][receipts]") {
  // A peer's bytes: any int64 must decode without undefined behaviour.
  v1::Verdict proto;
  EncodeVerdict(VerdictWithReceipts(), CompressionPolicy{}, &proto);
  proto.set_received_at_us(std::numeric_limits<int64_t>::max());
  proto.set_receipt_received_at_delta_us(0, std::numeric_limits<int64_t>::max());
  auto decoded = DecodeVerdict(proto, kVocab, 16);
  REQUIRE(decoded.ok());
  CHECK(decoded->receipts[0].received_at_us == -2);  // two's complement
}

}  // namespace
}  // namespace tandem::wire
