#include "bench/linkem/echo_server.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "common/base/status_macros.h"

namespace tandem::linkem {

absl::StatusOr<std::unique_ptr<EchoServer>> EchoServer::Create(absl::string_view address) {
  TANDEM_ASSIGN_OR_RETURN(UniqueFd listener, ListenTcp(address, 128));
  TANDEM_ASSIGN_OR_RETURN(int port, LocalPort(listener.get()));
  TANDEM_ASSIGN_OR_RETURN(Waker stop, Waker::Create());
  return std::unique_ptr<EchoServer>(new EchoServer(std::move(listener), port, std::move(stop)));
}

EchoServer::EchoServer(UniqueFd listener, int port, Waker stop)
    : listener_(std::move(listener)), port_(port), stop_(std::move(stop)) {}

EchoServer::~EchoServer() { Shutdown(); }

void EchoServer::Start() {
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

void EchoServer::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  stop_.Notify();
  if (acceptor_.joinable()) acceptor_.join();
  std::vector<std::thread> workers;
  {
    absl::MutexLock lock(&mu_);
    // Wakes workers blocked in recv(); they close their own fds.
    for (int fd : open_fds_) shutdown(fd, SHUT_RDWR);
    workers.swap(workers_);
  }
  for (std::thread& worker : workers) worker.join();
}

void EchoServer::AcceptLoop() {
  while (true) {
    pollfd fds[2] = {{stop_.fd(), POLLIN, 0}, {listener_.get(), POLLIN, 0}};
    if (poll(fds, 2, -1) < 0 && errno != EINTR) return;
    if (fds[0].revents != 0) return;
    if (fds[1].revents == 0) continue;
    const int fd = accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    SetNoDelay(fd);
    absl::MutexLock lock(&mu_);
    ++accepted_;
    open_fds_.push_back(fd);
    workers_.emplace_back([this, fd] { Echo(fd); });
  }
}

void EchoServer::Echo(int fd) {
  char buffer[64 * 1024];
  bool reset = false;
  while (true) {
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      reset = n < 0;
      break;
    }
    ssize_t sent = 0;
    while (sent < n) {
      const ssize_t m = send(fd, buffer + sent, static_cast<size_t>(n - sent), MSG_NOSIGNAL);
      if (m < 0 && errno == EINTR) continue;
      if (m <= 0) break;
      sent += m;
    }
    if (sent < n) {
      reset = true;
      break;
    }
    absl::MutexLock lock(&mu_);
    bytes_ += n;
  }
  absl::MutexLock lock(&mu_);
  ++(reset ? closed_reset_ : closed_eof_);
  open_fds_.erase(std::find(open_fds_.begin(), open_fds_.end(), fd));
  close(fd);
}

int64_t EchoServer::connections_accepted() const {
  absl::MutexLock lock(&mu_);
  return accepted_;
}

int64_t EchoServer::closed_by_eof() const {
  absl::MutexLock lock(&mu_);
  return closed_eof_;
}

int64_t EchoServer::closed_by_reset() const {
  absl::MutexLock lock(&mu_);
  return closed_reset_;
}

int64_t EchoServer::bytes_echoed() const {
  absl::MutexLock lock(&mu_);
  return bytes_;
}

bool EchoServer::WaitForClosed(int64_t n, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto done = [this, n]()
                  ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return closed_eof_ + closed_reset_ >= n; };
  return mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
}

bool EchoServer::WaitForAccepted(int64_t n, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto done = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return accepted_ >= n; };
  return mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
}

}  // namespace tandem::linkem
