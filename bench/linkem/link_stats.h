#ifndef TANDEM_BENCH_LINKEM_LINK_STATS_H_
#define TANDEM_BENCH_LINKEM_LINK_STATS_H_

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bench/linkem/direction_shaper.h"

namespace tandem::linkem {

// What the emulator did in one direction. The model's figures come from the
// shaper's Delivery records (Add); the relay adds what it measured
// (lateness of the actual writes, backpressure).
struct DirectionStats {
  int64_t bytes = 0;
  int64_t segments = 0;
  // Loss: every lost segment is one stall.
  int64_t lost_segments = 0;
  int64_t fast_retransmit_stalls = 0;  // first loss of a run: +1 RTT
  int64_t rto_stalls = 0;              // further losses in a run: +RTO (backed off)
  absl::Duration loss_stall_time;
  // Stall-mode outages: segments pushed to the end of a window.
  int64_t outage_stalled_segments = 0;
  absl::Duration outage_stall_time;
  // Model delay per segment: due - arrival (queueing + serialization +
  // propagation + jitter + stalls).
  absl::Duration delay_sum;
  absl::Duration delay_max;
  // Measured: actual write time - due, per written segment group.
  int64_t writes = 0;
  absl::Duration lateness_sum;
  absl::Duration lateness_max;
  // Measured: times the bottleneck queue was full and the relay stopped
  // reading from the sender, and for how long in total.
  int64_t backpressure_events = 0;
  absl::Duration backpressure_time;

  void Add(const Delivery& delivery);
  void AddWrite(absl::Duration lateness);
  void Merge(const DirectionStats& other);
  absl::Duration mean_delay() const;
  absl::Duration mean_lateness() const;
};

struct LinkStats {
  absl::Duration elapsed;  // since the relay started
  int64_t connections_accepted = 0;
  int64_t connections_active = 0;
  int64_t upstream_connect_failures = 0;
  int64_t outage_resets = 0;  // connections reset by a reset-mode outage
  int64_t peer_resets = 0;    // connections torn down after a socket error
  DirectionStats uplink;
  DirectionStats downlink;

  std::string ToText() const;  // the human-readable block printed on exit
  std::string ToJson() const;  // one JSON object (times in milliseconds)
};

// Thread-safe accumulator shared by the relay's connections.
class StatsRecorder {
 public:
  void AddDirection(Direction direction, const DirectionStats& delta);
  void ConnectionAccepted();
  void ConnectionClosed();
  void UpstreamConnectFailed();
  void OutageReset();
  void PeerReset();
  LinkStats Snapshot(absl::Duration elapsed) const;

 private:
  mutable absl::Mutex mu_;
  LinkStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tandem::linkem

#endif  // TANDEM_BENCH_LINKEM_LINK_STATS_H_
