#ifndef TANDEM_TESTS_BENCH_LINKEM_LOOPBACK_CLIENT_H_
#define TANDEM_TESTS_BENCH_LINKEM_LOOPBACK_CLIENT_H_

// Blocking client helpers for the relay's loopback tests. Every wait has a
// deadline so a broken relay fails a test instead of hanging it.

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "bench/linkem/socket_util.h"

namespace tandem::linkem::testing {

inline UniqueFd ConnectLoopback(int port) {
  auto fd = ConnectTcp(absl::StrCat("127.0.0.1:", port), absl::Seconds(5));
  if (!fd.ok()) return UniqueFd();
  SetNoDelay(fd->get());
  return std::move(*fd);
}

inline bool SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

// How a read ended.
enum class ReadEnd { kComplete, kEof, kReset, kTimeout };

// Reads exactly `n` bytes into `out` (appending) unless the connection ends
// or `timeout` passes first.
inline ReadEnd RecvExactly(int fd, size_t n, absl::Duration timeout, std::string* out) {
  const auto deadline = std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(timeout);
  char buffer[65536];
  size_t got = 0;
  while (got < n) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return ReadEnd::kTimeout;
    pollfd pfd{fd, POLLIN, 0};
    const int rc = poll(&pfd, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno == EINTR) continue;
    if (rc == 0) return ReadEnd::kTimeout;
    const ssize_t m = recv(fd, buffer, std::min(sizeof(buffer), n - got), 0);
    if (m < 0 && errno == EINTR) continue;
    if (m == 0) return ReadEnd::kEof;
    if (m < 0) return ReadEnd::kReset;
    out->append(buffer, static_cast<size_t>(m));
    got += static_cast<size_t>(m);
  }
  return ReadEnd::kComplete;
}

// Waits for the peer to end the connection: kEof, kReset or kTimeout.
inline ReadEnd WaitForClose(int fd, absl::Duration timeout) {
  std::string ignored;
  const ReadEnd end = RecvExactly(fd, size_t{1} << 40, timeout, &ignored);
  return end;
}

}  // namespace tandem::linkem::testing

#endif  // TANDEM_TESTS_BENCH_LINKEM_LOOPBACK_CLIENT_H_
