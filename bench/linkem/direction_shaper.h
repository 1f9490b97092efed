#ifndef TANDEM_BENCH_LINKEM_DIRECTION_SHAPER_H_
#define TANDEM_BENCH_LINKEM_DIRECTION_SHAPER_H_

#include <cstdint>
#include <deque>
#include <random>
#include <vector>

#include "absl/time/time.h"
#include "bench/linkem/delivery_trace.h"
#include "bench/linkem/link_profile.h"
#include "bench/linkem/loss_model.h"
#include "bench/linkem/profile_schedule.h"

namespace tandem::linkem {

enum class Direction { kUplink, kDownlink };

absl::string_view DirectionName(Direction direction);

// What happened to one segment: the shaper's output, and the unit the
// statistics count.
struct Delivery {
  absl::Duration arrival;  // when the relay read the bytes
  absl::Duration due;      // when they may be written to the receiver (>= arrival)
  int64_t bytes = 0;
  bool lost = false;            // the loss model dropped it: a retransmission stall
  bool rto = false;             // the stall was a retransmission timeout (loss in a burst)
  absl::Duration loss_stall;    // time the loss added (0 unless lost)
  absl::Duration outage_stall;  // time a stall-mode outage added
};

// The timing model of one direction of the link, without sockets or clocks:
// the caller passes arrival times (durations since the emulation started)
// and gets back when each segment may be delivered. For segment i of
// Delivery::bytes, read at arrival a_i (docs/linkem.md):
//
//   tx_end_i = max(a_i, tx_end_{i-1}) + bytes_i * 8 / rate   (fixed rate:
//              the rate in effect while the segment is serialized, so a
//              schedule's change of rate applies to the queue), or
//            = the first trace opportunity >= a_i not used yet (trace), or
//            = max(a_i, tx_end_{i-1})                          (unlimited)
//   due_i    = max(due_{i-1}, tx_end_i + max(0, delay + U(-jitter, jitter)))
//              + stall_i                     (stall_i > 0 when lost, below)
//   due_i    = end of the stall-mode outage containing due_i, if any
//
// so bytes are never reordered. A lost segment that starts a run of losses
// stalls by one RTT (fast retransmit); the k-th consecutive loss (k >= 2)
// stalls by min(max_rto, RTO * 2^(k-2)) with RTO = max(min_rto, 2 * RTT):
// a lost retransmission, recovered by timeout with exponential backoff.
// RTT is the profile's uplink + downlink delay at a_i. The profile in effect
// at a_i (from the schedule) governs the segment's delay, jitter and loss.
//
// Not thread-safe: one shaper per direction of a connection, used by one
// thread. Randomness comes from a seeded std::mt19937_64.
class DirectionShaper {
 public:
  // `schedule` must outlive the shaper; `trace` may be null (then the
  // profile's rate_kbps applies) and must outlive it too.
  DirectionShaper(Direction direction, const ProfileSchedule* schedule, const DeliveryTrace* trace,
                  uint64_t seed);

  // Schedules `bytes` > 0 read at `arrival` (non-decreasing across calls),
  // cut into segments of at most mss_bytes. Appends one Delivery per segment
  // to `out`; due times never decrease across calls.
  void Admit(absl::Duration arrival, int64_t bytes, std::vector<Delivery>* out);

  // When an end of stream (FIN) read at `arrival` may be passed on: after
  // all data before it and at least one delay after `arrival`.
  absl::Duration CloseDue(absl::Duration arrival);

  // Bytes admitted but not yet serialized at `now` (whole segments).
  int64_t QueuedBytes(absl::Duration now);
  // How many more bytes the sender may hand over at `now` (0: queue full,
  // stop reading: TCP backpressure).
  int64_t AdmissibleBytes(absl::Duration now);
  // When the queue next shrinks (the head segment's tx end), or
  // absl::InfiniteDuration() when it is empty.
  absl::Duration NextDequeue() const;

  Direction direction() const { return direction_; }

 private:
  struct Queued {
    absl::Duration tx_end;
    int64_t bytes;
  };

  const DirectionProfile& ProfileOf(const LinkProfile& link) const;
  // When `bytes` read at `arrival` have been serialized (tx_end, above).
  absl::Duration TransmitEnd(absl::Duration arrival, int64_t bytes);
  absl::Duration Propagation(const DirectionProfile& profile);
  // Decides loss for one segment; returns the stall (0 if not lost).
  absl::Duration LossStall(const LinkProfile& link, Delivery* delivery);
  double Uniform();

  const Direction direction_;
  const ProfileSchedule* schedule_;  // not owned
  const DeliveryTrace* trace_;       // not owned; may be null
  std::mt19937_64 rng_;
  GilbertElliott loss_model_;
  int consecutive_losses_ = 0;
  absl::Duration link_free_ = absl::ZeroDuration();  // tx_end of the last segment
  absl::Duration last_due_ = absl::ZeroDuration();
  int64_t next_opportunity_ = 0;  // first unused trace opportunity
  std::deque<Queued> queue_;      // segments with tx_end in the future, FIFO
  int64_t queued_bytes_ = 0;      // sum of queue_[i].bytes
};

}  // namespace tandem::linkem

#endif  // TANDEM_BENCH_LINKEM_DIRECTION_SHAPER_H_
