#ifndef TANDEM_BENCH_LINKEM_SOCKET_UTIL_H_
#define TANDEM_BENCH_LINKEM_SOCKET_UTIL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace tandem::linkem {

// Owns a file descriptor; closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release();
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// "HOST:PORT", "[V6ADDR]:PORT"; HOST may be a name. InvalidArgument naming
// the text otherwise.
struct HostPort {
  std::string host;
  std::string port;
};
absl::StatusOr<HostPort> ParseHostPort(absl::string_view address);

// A listening TCP socket bound to `address` (port 0 picks a free port).
absl::StatusOr<UniqueFd> ListenTcp(absl::string_view address, int backlog);
// The local port a socket is bound to.
absl::StatusOr<int> LocalPort(int fd);
// A connected TCP socket, trying each resolved address; DeadlineExceeded or
// Unavailable naming the address on failure.
absl::StatusOr<UniqueFd> ConnectTcp(absl::string_view address, absl::Duration timeout);

// Disables Nagle's algorithm: the relay forwards each chunk as soon as it
// is due; coalescing would add up to an RTT of delay.
void SetNoDelay(int fd);
// Closes `fd` with SO_LINGER {on, 0}: the peer gets a RST, not a FIN.
void CloseWithReset(UniqueFd fd);

// An eventfd used to wake poll loops. Notify() makes fd() readable until
// Drain() (level-triggered, so one Notify wakes every poller).
class Waker {
 public:
  static absl::StatusOr<Waker> Create();
  void Notify() const;
  void Drain() const;
  int fd() const { return fd_.get(); }

 private:
  explicit Waker(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace tandem::linkem

#endif  // TANDEM_BENCH_LINKEM_SOCKET_UTIL_H_
