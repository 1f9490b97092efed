#ifndef TANDEM_BENCH_LINKEM_DIRECTION_PUMP_H_
#define TANDEM_BENCH_LINKEM_DIRECTION_PUMP_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "bench/linkem/direction_shaper.h"
#include "bench/linkem/link_clock.h"
#include "bench/linkem/link_stats.h"
#include "bench/linkem/profile_schedule.h"
#include "bench/linkem/socket_util.h"

namespace tandem::linkem {

// Shared by the two pumps of one connection: either may ask both to end.
struct ConnectionControl {
  explicit ConnectionControl(Waker w) : waker(std::move(w)) {}
  void RequestStop() {
    stop.store(true);
    waker.Notify();
  }
  void RequestReset() {
    reset.store(true);
    waker.Notify();
  }
  std::atomic<bool> stop{false};   // relay shutdown: end, close with FIN
  std::atomic<bool> reset{false};  // tear the connection down with RST
  Waker waker;                     // readable once either flag is set
};

enum class PumpEnd {
  kFinished,     // the sender's FIN was forwarded after all its data
  kStopped,      // ConnectionControl::stop
  kReset,        // ConnectionControl::reset (the other direction asked)
  kOutageReset,  // a reset-mode outage began
  kSocketError,  // read or write failed (peer reset, broken pipe, ...)
};

struct PumpOptions {
  int64_t read_chunk_bytes = 64 * 1024;  // most bytes per recv()
  // Bytes read from the sender and not yet written to the receiver, at
  // most (the receive window a real path would bound them by).
  int64_t max_pending_bytes = 8 * 1024 * 1024;
};

// Moves one direction of a connection: reads from `src` when the shaper's
// queue has room, holds the bytes until the shaper says they are due, then
// writes them to `dst`. One thread runs Run(); it sleeps in ppoll() until
// the next due time, socket readiness or the control's waker (no busy
// waiting), so a zero-impairment byte costs one ppoll + recv + send.
//
// Not thread-safe; the sockets stay owned by the caller.
class DirectionPump {
 public:
  // All pointers must outlive Run().
  DirectionPump(int src_fd, int dst_fd, DirectionShaper* shaper, const ProfileSchedule* schedule,
                const ConnectionControl* control, const LinkClock* clock, StatsRecorder* stats,
                PumpOptions options);

  // Runs until the direction ends; see PumpEnd. On kFinished it has shut
  // down dst's write side (FIN).
  PumpEnd Run();

 private:
  struct Piece {
    absl::Duration due;
    int64_t bytes;
  };

  PumpEnd RunLoop();
  int64_t ReadBudget(absl::Duration now);
  absl::Duration NextWake(absl::Duration now, int64_t budget) const;
  bool ReadAvailable(int64_t budget);  // false on a socket error
  bool WriteDue(absl::Duration now);   // false on a socket error
  void ConsumeWritten(int64_t n, absl::Duration now);
  void TrackBackpressure(absl::Duration now, bool blocked);
  void FlushStats();

  const int src_;
  const int dst_;
  DirectionShaper* shaper_;
  const ProfileSchedule* schedule_;
  const ConnectionControl* control_;
  const LinkClock* clock_;
  StatsRecorder* stats_;
  const PumpOptions options_;

  std::string data_;  // bytes read and not yet written: data_[head_, size)
  size_t head_ = 0;
  std::deque<Piece> pieces_;  // due times of those bytes, in stream order
  int64_t pending_bytes_ = 0;
  bool write_blocked_ = false;  // dst returned EAGAIN: wait for POLLOUT
  bool eof_ = false;
  absl::Duration fin_due_;
  bool backpressured_ = false;
  absl::Duration backpressure_since_;
  std::vector<char> chunk_;           // [read_chunk_bytes] recv buffer
  std::vector<Delivery> deliveries_;  // scratch for the shaper's output
  DirectionStats delta_;              // not yet flushed to stats_
  bool delta_dirty_ = false;
};

}  // namespace tandem::linkem

#endif  // TANDEM_BENCH_LINKEM_DIRECTION_PUMP_H_
