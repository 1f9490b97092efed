#ifndef TANDEM_BENCH_LINKEM_RELAY_CONNECTION_H_
#define TANDEM_BENCH_LINKEM_RELAY_CONNECTION_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/linkem/direction_pump.h"
#include "bench/linkem/link_clock.h"
#include "bench/linkem/link_model.h"
#include "bench/linkem/link_stats.h"
#include "bench/linkem/socket_util.h"

namespace tandem::linkem {

struct ConnectionOptions {
  std::string upstream_address;  // HOST:PORT each client is relayed to
  absl::Duration connect_timeout = absl::Seconds(10);
  PumpOptions pump;
  // Seeds the shapers; connection i direction d uses a mix of (seed, i, d).
  uint64_t seed = 1;

  absl::Status Validate() const;
};

// One relayed client: connects to the upstream, then runs the uplink pump
// (client -> upstream) on its own thread and the downlink pump (upstream ->
// client) on a second one, each with its own DirectionShaper.
//
// Endings: when both directions have forwarded their FIN, both sockets
// close normally. A socket error in either direction, or a reset-mode
// outage, resets both sockets (SO_LINGER 0 -> RST to client and upstream).
// Stop() (relay shutdown) makes both pumps return; the sockets then close
// with FIN. `on_done` runs on the connection's thread as its last action.
//
// Thread safety: Start/Stop/Join may be called from any one thread; Stop is
// non-blocking and may race with the connection ending on its own.
class RelayConnection {
 public:
  // Owned by the relay; outlives every connection.
  struct Shared {
    const LinkModel* link;
    const ConnectionOptions* options;
    const LinkClock* clock;
    StatsRecorder* stats;
  };

  static absl::StatusOr<std::unique_ptr<RelayConnection>> Create(uint64_t id, UniqueFd client,
                                                                 Shared shared,
                                                                 std::function<void()> on_done);
  ~RelayConnection();  // joins

  void Start();
  void Stop();
  void Join();
  uint64_t id() const { return id_; }

 private:
  RelayConnection(uint64_t id, UniqueFd client, Shared shared, Waker waker,
                  std::function<void()> on_done);
  void Main();
  // Runs both pumps to their end; true if the sockets must be reset.
  bool Pump(int upstream_fd);
  void NoteEnd(PumpEnd end);

  const uint64_t id_;
  UniqueFd client_;
  const Shared shared_;
  ConnectionControl control_;
  std::function<void()> on_done_;
  std::thread thread_;
  std::atomic<bool> outage_reset_{false};
  std::atomic<bool> socket_error_{false};
};

}  // namespace tandem::linkem

#endif  // TANDEM_BENCH_LINKEM_RELAY_CONNECTION_H_
