#include "bench/linkem/relay.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/base/logging.h"
#include "common/base/status_macros.h"

namespace tandem::linkem {

absl::Status RelayOptions::Validate() const {
  TANDEM_RETURN_IF_ERROR(ParseHostPort(listen_address).status());
  if (listen_backlog < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen backlog ", listen_backlog, ": must be >= 1"));
  }
  return connection.Validate();
}

absl::StatusOr<std::unique_ptr<Relay>> Relay::Create(RelayOptions options, LinkModel link) {
  TANDEM_RETURN_IF_ERROR(options.Validate());
  for (const ProfileSchedule::Entry& entry : link.schedule.entries()) {
    TANDEM_RETURN_IF_ERROR(entry.profile.Validate());
  }
  TANDEM_ASSIGN_OR_RETURN(UniqueFd listener,
                          ListenTcp(options.listen_address, options.listen_backlog));
  TANDEM_ASSIGN_OR_RETURN(int port, LocalPort(listener.get()));
  TANDEM_ASSIGN_OR_RETURN(Waker stop_waker, Waker::Create());
  TANDEM_ASSIGN_OR_RETURN(Waker reap_waker, Waker::Create());
  return std::unique_ptr<Relay>(new Relay(std::move(options), std::move(link), std::move(listener),
                                          port, std::move(stop_waker), std::move(reap_waker)));
}

Relay::Relay(RelayOptions options, LinkModel link, UniqueFd listener, int port, Waker stop_waker,
             Waker reap_waker)
    : options_(std::move(options)),
      link_(std::move(link)),
      listener_(std::move(listener)),
      port_(port),
      stop_waker_(std::move(stop_waker)),
      reap_waker_(std::move(reap_waker)) {}

Relay::~Relay() { Shutdown(); }

void Relay::Start() {
  ABSL_CHECK(!started_.exchange(true)) << "Relay::Start called twice";
  clock_ = LinkClock();
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

void Relay::Shutdown() {
  if (shut_down_.exchange(true)) return;
  stop_waker_.Notify();
  if (acceptor_.joinable()) acceptor_.join();
  listener_.reset();
  std::map<uint64_t, std::unique_ptr<RelayConnection>> connections;
  {
    absl::MutexLock lock(&mu_);
    connections.swap(connections_);
    finished_.clear();
  }
  for (auto& [id, connection] : connections) connection->Stop();
  for (auto& [id, connection] : connections) connection->Join();
}

void Relay::AcceptLoop() {
  while (true) {
    pollfd fds[3] = {
        {stop_waker_.fd(), POLLIN, 0}, {reap_waker_.fd(), POLLIN, 0}, {listener_.get(), POLLIN, 0}};
    const int rc = poll(fds, 3, -1);
    if (rc < 0 && errno != EINTR) {
      ABSL_LOG(ERROR) << "relay: poll failed: " << std::strerror(errno);
      return;
    }
    if (fds[0].revents != 0) return;
    if (fds[1].revents != 0) {
      reap_waker_.Drain();
      ReapFinished();
    }
    if (fds[2].revents != 0) AcceptOne();
  }
}

void Relay::AcceptOne() {
  UniqueFd client(accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!client.valid()) {
    // EMFILE and friends: log and keep serving the connections we have.
    if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
      ABSL_LOG(WARNING) << "relay: accept failed: " << std::strerror(errno);
    }
    return;
  }
  SetNoDelay(client.get());
  stats_.ConnectionAccepted();
  if (link_.schedule.ResetOutageAt(clock_.Elapsed()) != nullptr) {
    stats_.OutageReset();
    stats_.ConnectionClosed();
    CloseWithReset(std::move(client));
    return;
  }
  const uint64_t id = next_id_++;
  RelayConnection::Shared shared{&link_, &options_.connection, &clock_, &stats_};
  auto connection = RelayConnection::Create(id, std::move(client), shared, [this, id] {
    absl::MutexLock lock(&mu_);
    finished_.push_back(id);
    reap_waker_.Notify();
  });
  if (!connection.ok()) {
    ABSL_LOG(WARNING) << "relay: " << connection.status().message();
    stats_.ConnectionClosed();
    return;
  }
  RelayConnection* raw = connection->get();
  {
    absl::MutexLock lock(&mu_);
    connections_.emplace(id, std::move(*connection));
  }
  raw->Start();
}

void Relay::ReapFinished() {
  std::vector<std::unique_ptr<RelayConnection>> done;
  {
    absl::MutexLock lock(&mu_);
    for (uint64_t id : finished_) {
      auto it = connections_.find(id);
      if (it == connections_.end()) continue;
      done.push_back(std::move(it->second));
      connections_.erase(it);
    }
    finished_.clear();
  }
  for (auto& connection : done) connection->Join();
}

}  // namespace tandem::linkem
