#ifndef TANDEM_COMMON_WIRE_PROTOCOL_VERSION_H_
#define TANDEM_COMMON_WIRE_PROTOCOL_VERSION_H_

#include <cstdint>

namespace tandem::wire {

// The protocol version this build speaks (Open.protocol_version). Bump it
// when a change is not backward compatible; peers refuse other versions.
inline constexpr uint32_t kProtocolVersion = 1;

}  // namespace tandem::wire

#endif  // TANDEM_COMMON_WIRE_PROTOCOL_VERSION_H_
