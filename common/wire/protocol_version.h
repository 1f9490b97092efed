#ifndef TANDEM_COMMON_WIRE_PROTOCOL_VERSION_H_
#define TANDEM_COMMON_WIRE_PROTOCOL_VERSION_H_

#include <cstdint>

namespace tandem::wire {

// The protocol version this build speaks (Open.protocol_version). Bump it
// when a change is not backward compatible; peers refuse other versions.
inline constexpr uint32_t kProtocolVersion = 1;

// Every cloud takes chunks of at least this many drafted tokens
// (tandem-cloud refuses a smaller --max-draft-tokens), so an edge may send a
// chunk this long before Opened has told it the cloud's own limit: its first
// chunks, right behind Open (docs/protocol.md, "The first chunks ride behind
// Open").
inline constexpr int kGuaranteedDraftTokens = 8;

}  // namespace tandem::wire

#endif  // TANDEM_COMMON_WIRE_PROTOCOL_VERSION_H_
