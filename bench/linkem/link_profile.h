#ifndef TANDEM_BENCH_LINKEM_LINK_PROFILE_H_
#define TANDEM_BENCH_LINKEM_LINK_PROFILE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace tandem::linkem {

// The impairments of one direction of the emulated link. Uplink is
// client -> upstream, downlink is upstream -> client. Units are in the
// names; every field has a documented default, and the all-default profile
// is the identity (no delay, no rate limit, no loss).
//
// The model (docs/linkem.md has the formulas): the stream is cut into
// segments of LinkProfile::mss_bytes; a segment that arrives at time a
// is serialized at the rate behind earlier segments (tx_end), travels
// `delay` plus a jitter sample, may suffer a retransmission stall if the
// loss model marks it lost, and is never delivered before the previous
// segment (TCP delivers bytes in order).
struct DirectionProfile {
  // One-way propagation delay added to every segment.
  absl::Duration delay = absl::ZeroDuration();
  // Half-width of the uniform jitter: each segment's delay is
  // delay + U(-jitter, +jitter), clamped at 0 (netem's default distribution).
  absl::Duration jitter = absl::ZeroDuration();
  // Bottleneck rate in kbit/s (1 kbit = 1000 bit) of TCP payload; 0 means
  // unlimited. Ignored when a delivery trace drives this direction.
  double rate_kbps = 0.0;
  // Bytes that may wait for serialization at the bottleneck. When the queue
  // is full the relay stops reading from the sender (TCP backpressure).
  int64_t queue_bytes = 128 * 1024;
  // Probability that a segment is lost while the loss model is in its good
  // state (with burst_p = 0 this is plain random loss).
  double loss = 0.0;
  // Gilbert-Elliott burst loss, per segment: P(good -> bad), P(bad -> good)
  // and the loss probability in the bad state. Mean burst length is 1/burst_r
  // segments; the bad state occupies burst_p / (burst_p + burst_r) of them.
  double burst_p = 0.0;
  double burst_r = 1.0;
  double burst_loss = 1.0;

  // Long-run fraction of segments lost: pi_good * loss + pi_bad * burst_loss.
  double MeanLossRate() const;
  bool HasLoss() const { return loss > 0.0 || (burst_p > 0.0 && burst_loss > 0.0); }

  // InvalidArgument naming `direction` and the field when a value is out of
  // range (negative delay, probability outside [0, 1], queue < mss, ...).
  absl::Status Validate(absl::string_view direction, int64_t mss_bytes) const;
};

// Both directions plus the TCP constants the loss model needs.
struct LinkProfile {
  DirectionProfile uplink;
  DirectionProfile downlink;
  // Payload bytes per segment: 1500-byte MTU - 40 bytes IP/TCP - 12 bytes
  // of timestamps option, as on a typical Linux connection.
  int64_t mss_bytes = 1448;
  // RTO after a loss in a burst: max(min_rto, 2 * RTT), doubling for each
  // further consecutive loss, capped at max_rto (Linux: 200 ms and 120 s).
  absl::Duration min_rto = absl::Milliseconds(200);
  absl::Duration max_rto = absl::Seconds(120);

  // The emulated round-trip time: both one-way delays.
  absl::Duration rtt() const { return uplink.delay + downlink.delay; }

  absl::Status Validate() const;

  // One line per direction, e.g. "uplink: delay 30 ms, jitter 2 ms, ...".
  std::string ToString() const;
};

// Applies one `key=value` setting, as written in flags and schedule files:
//   delay_ms jitter_ms rate_kbps rate_mbps queue_kb loss burst_p burst_r
//   burst_loss     -- both directions, or one with an "up." / "down." prefix
//   mss_bytes min_rto_ms max_rto_ms -- the whole link
// Probabilities accept a fraction ("0.005") or a percentage ("0.5%").
// InvalidArgument naming the key and value for unknown keys or bad numbers.
// Does not validate the resulting profile (call Validate()).
absl::Status ApplySetting(absl::string_view key, absl::string_view value, LinkProfile* profile);

// Applies "key=value" settings separated by commas and/or spaces.
absl::Status ApplySettings(absl::string_view settings, LinkProfile* profile);

}  // namespace tandem::linkem

#endif  // TANDEM_BENCH_LINKEM_LINK_PROFILE_H_
