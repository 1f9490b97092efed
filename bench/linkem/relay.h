#ifndef TANDEM_BENCH_LINKEM_RELAY_H_
#define TANDEM_BENCH_LINKEM_RELAY_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bench/linkem/link_clock.h"
#include "bench/linkem/link_model.h"
#include "bench/linkem/link_stats.h"
#include "bench/linkem/relay_connection.h"
#include "bench/linkem/socket_util.h"

namespace tandem::linkem {

struct RelayOptions {
  std::string listen_address = "127.0.0.1:0";  // port 0 picks a free port
  int listen_backlog = 128;
  ConnectionOptions connection;

  absl::Status Validate() const;
};

// A TCP relay that emulates a link between its clients and one upstream:
// every accepted client gets its own upstream connection and a
// RelayConnection that shapes both directions with `link`.
//
// Lifecycle and shutdown order: Create() validates and binds the listener
// (port() is valid from then on). Start() starts the emulation clock
// (schedules, traces and outages count from here) and the acceptor thread.
// Shutdown() (idempotent; the destructor calls it) first stops and joins
// the acceptor and closes the listener, then stops every connection and
// joins their threads; their sockets close with FIN. Stats() is valid at
// any time, including after Shutdown().
//
// Thread safety: Start/Shutdown from one owning thread; Stats, Elapsed and
// port from any thread.
class Relay {
 public:
  static absl::StatusOr<std::unique_ptr<Relay>> Create(RelayOptions options, LinkModel link);
  ~Relay();

  void Start();
  void Shutdown();

  int port() const { return port_; }
  // Time since Start() on the emulation clock (0-based, steady).
  absl::Duration Elapsed() const { return clock_.Elapsed(); }
  LinkStats Stats() const { return stats_.Snapshot(clock_.Elapsed()); }

 private:
  Relay(RelayOptions options, LinkModel link, UniqueFd listener, int port, Waker stop_waker,
        Waker reap_waker);
  void AcceptLoop();
  void AcceptOne();
  void ReapFinished();

  const RelayOptions options_;
  const LinkModel link_;
  UniqueFd listener_;
  const int port_;
  Waker stop_waker_;  // notified once by Shutdown; never drained
  Waker reap_waker_;  // notified when a connection finishes
  LinkClock clock_;   // reset by Start() before any thread reads it
  StatsRecorder stats_;
  std::thread acceptor_;
  std::atomic<bool> started_{false};
  std::atomic<bool> shut_down_{false};
  uint64_t next_id_ = 0;  // acceptor thread only

  absl::Mutex mu_;
  std::map<uint64_t, std::unique_ptr<RelayConnection>> connections_ ABSL_GUARDED_BY(mu_);
  std::vector<uint64_t> finished_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tandem::linkem

#endif  // TANDEM_BENCH_LINKEM_RELAY_H_
