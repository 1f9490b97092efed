#ifndef TANDEM_EDGE_SESSION_CLOCK_H_
#define TANDEM_EDGE_SESSION_CLOCK_H_

#include <algorithm>
#include <cstdint>

namespace tandem::edge {

// The clock of Draft.sent_at_us on the wire: microseconds since the session
// began (its origin, just before Open), where the edge keeps Unix
// microseconds.
//
// The cloud only echoes the value (Verdict.echo_sent_at_us) and returns it in
// receipts as a difference from the echo, so any origin the edge picks works,
// and the edge converts back before it uses a value. A Unix time in
// microseconds (~1.8e15) takes 8 varint bytes; a session-relative one takes 3
// below 2.1 s, 4 below 4.5 minutes and 5 below 9.5 hours. On every Draft (and
// every Verdict's echo) that is 4-5 bytes of the ~50 a short chunk's header
// costs (docs/protocol.md, "Measured payloads"), bytes that queue on a thin
// uplink. Inside the edge the times stay Unix: the uplink's one-way delays
// that LinkMemory carries from session to session stay comparable.
class SessionClock {
 public:
  SessionClock() = default;
  // The origin is one microsecond before `session_start_unix_us`, so every
  // send time from then on is >= 1 on the wire (0 means "not stamped").
  explicit SessionClock(int64_t session_start_unix_us)
      : origin_unix_us_(session_start_unix_us - 1) {}

  // A send time for the wire: >= 1 (a time before the origin -- the wall
  // clock stepped back -- is clamped to 1).
  int64_t ToWire(int64_t unix_us) const { return std::max<int64_t>(1, unix_us - origin_unix_us_); }
  // A wire time echoed back, as Unix microseconds; 0 (not stamped) stays 0.
  int64_t FromWire(int64_t wire_us) const { return wire_us > 0 ? wire_us + origin_unix_us_ : 0; }

 private:
  int64_t origin_unix_us_ = 0;
};

}  // namespace tandem::edge

#endif  // TANDEM_EDGE_SESSION_CLOCK_H_
