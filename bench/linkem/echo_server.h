#ifndef TANDEM_BENCH_LINKEM_ECHO_SERVER_H_
#define TANDEM_BENCH_LINKEM_ECHO_SERVER_H_

#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bench/linkem/socket_util.h"

namespace tandem::linkem {

// A TCP echo server for loopback measurements (the overhead bench and the
// relay tests): every byte received is sent back on the same connection.
// It records how each connection ended, so tests can tell a FIN from a RST.
//
// Lifecycle: Create() binds (port() valid), Start() starts the acceptor,
// Shutdown() (idempotent; the destructor calls it) stops accepting, shuts
// down open connections and joins every thread. Thread-safe accessors.
class EchoServer {
 public:
  static absl::StatusOr<std::unique_ptr<EchoServer>> Create(absl::string_view address);
  ~EchoServer();

  void Start();
  void Shutdown();
  int port() const { return port_; }

  int64_t connections_accepted() const;
  int64_t closed_by_eof() const;    // peer sent FIN
  int64_t closed_by_reset() const;  // recv/send failed (ECONNRESET, EPIPE)
  int64_t bytes_echoed() const;
  // Waits until at least `n` connections have ended; false on timeout.
  bool WaitForClosed(int64_t n, absl::Duration timeout) const;
  // Waits until at least `n` connections were accepted; false on timeout.
  bool WaitForAccepted(int64_t n, absl::Duration timeout) const;

 private:
  EchoServer(UniqueFd listener, int port, Waker stop);
  void AcceptLoop();
  void Echo(int fd);

  UniqueFd listener_;
  const int port_;
  Waker stop_;
  std::thread acceptor_;
  bool shut_down_ = false;

  mutable absl::Mutex mu_;
  std::vector<std::thread> workers_ ABSL_GUARDED_BY(mu_);
  std::vector<int> open_fds_ ABSL_GUARDED_BY(mu_);
  int64_t accepted_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t closed_eof_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t closed_reset_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace tandem::linkem

#endif  // TANDEM_BENCH_LINKEM_ECHO_SERVER_H_
