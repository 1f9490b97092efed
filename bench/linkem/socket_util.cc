#include "bench/linkem/socket_util.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/base/status_macros.h"

namespace tandem::linkem {
namespace {

std::string ErrnoText(int error) { return std::strerror(error); }

struct AddrInfoDeleter {
  void operator()(addrinfo* info) const { freeaddrinfo(info); }
};
using AddrInfoPtr = std::unique_ptr<addrinfo, AddrInfoDeleter>;

absl::StatusOr<AddrInfoPtr> Resolve(absl::string_view address, bool passive) {
  TANDEM_ASSIGN_OR_RETURN(HostPort hp, ParseHostPort(address));
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = passive ? AI_PASSIVE : 0;
  addrinfo* result = nullptr;
  const int rc =
      getaddrinfo(hp.host.empty() ? nullptr : hp.host.c_str(), hp.port.c_str(), &hints, &result);
  if (rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot resolve \"", address, "\": ", gai_strerror(rc)));
  }
  return AddrInfoPtr(result);
}

// Waits for a non-blocking connect to finish; returns errno-style 0 on success.
int FinishConnect(int fd, absl::Duration timeout) {
  pollfd pfd{fd, POLLOUT, 0};
  const int timeout_ms = static_cast<int>(
      std::min<int64_t>(absl::ToInt64Milliseconds(timeout), std::numeric_limits<int>::max()));
  int rc;
  do {
    rc = poll(&pfd, 1, timeout_ms);
  } while (rc < 0 && errno == EINTR);
  if (rc == 0) return ETIMEDOUT;
  if (rc < 0) return errno;
  int error = 0;
  socklen_t length = sizeof(error);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return errno;
  return error;
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) reset(other.release());
  return *this;
}

int UniqueFd::release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) close(fd_);
  fd_ = fd;
}

absl::StatusOr<HostPort> ParseHostPort(absl::string_view address) {
  HostPort hp;
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos || colon + 1 == address.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("address \"", address, "\": expected HOST:PORT (e.g. 127.0.0.1:7000)"));
  }
  absl::string_view host = address.substr(0, colon);
  if (absl::ConsumePrefix(&host, "[") && !absl::ConsumeSuffix(&host, "]")) {
    return absl::InvalidArgumentError(
        absl::StrCat("address \"", address, "\": unbalanced '[' (use [::1]:PORT)"));
  }
  hp.host = std::string(host);
  hp.port = std::string(address.substr(colon + 1));
  return hp;
}

absl::StatusOr<UniqueFd> ListenTcp(absl::string_view address, int backlog) {
  TANDEM_ASSIGN_OR_RETURN(AddrInfoPtr info, Resolve(address, /*passive=*/true));
  std::string last_error = "no addresses";
  for (addrinfo* ai = info.get(); ai != nullptr; ai = ai->ai_next) {
    UniqueFd fd(socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
    if (!fd.valid()) {
      last_error = ErrnoText(errno);
      continue;
    }
    const int one = 1;
    setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd.get(), ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd.get(), backlog) == 0) {
      return fd;
    }
    last_error = ErrnoText(errno);
  }
  return absl::UnavailableError(absl::StrCat("cannot listen on ", address, ": ", last_error));
}

absl::StatusOr<int> LocalPort(int fd) {
  sockaddr_storage addr{};
  socklen_t length = sizeof(addr);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
    return absl::InternalError(absl::StrCat("getsockname: ", ErrnoText(errno)));
  }
  if (addr.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  }
  return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

absl::StatusOr<UniqueFd> ConnectTcp(absl::string_view address, absl::Duration timeout) {
  TANDEM_ASSIGN_OR_RETURN(AddrInfoPtr info, Resolve(address, /*passive=*/false));
  int last_error = 0;
  for (addrinfo* ai = info.get(); ai != nullptr; ai = ai->ai_next) {
    UniqueFd fd(
        socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol));
    if (!fd.valid()) {
      last_error = errno;
      continue;
    }
    int error = 0;
    if (connect(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0) {
      error = errno == EINPROGRESS ? FinishConnect(fd.get(), timeout) : errno;
    }
    if (error == 0) {
      // Back to blocking mode; the relay passes MSG_DONTWAIT where it must not block.
      fcntl(fd.get(), F_SETFL, fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
      return fd;
    }
    last_error = error;
  }
  const std::string why = absl::StrCat("cannot connect to ", address, ": ",
                                       last_error ? ErrnoText(last_error) : "no addresses");
  if (last_error == ETIMEDOUT) return absl::DeadlineExceededError(why);
  return absl::UnavailableError(why);
}

void SetNoDelay(int fd) {
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

void CloseWithReset(UniqueFd fd) {
  if (!fd.valid()) return;
  linger option{1, 0};
  setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &option, sizeof(option));
  fd.reset();
}

absl::StatusOr<Waker> Waker::Create() {
  UniqueFd fd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!fd.valid()) return absl::InternalError(absl::StrCat("eventfd: ", ErrnoText(errno)));
  return Waker(std::move(fd));
}

void Waker::Notify() const {
  const uint64_t one = 1;
  // A full counter (never in practice) still leaves the fd readable.
  [[maybe_unused]] ssize_t n = write(fd_.get(), &one, sizeof(one));
}

void Waker::Drain() const {
  uint64_t value;
  [[maybe_unused]] ssize_t n = read(fd_.get(), &value, sizeof(value));
}

}  // namespace tandem::linkem
