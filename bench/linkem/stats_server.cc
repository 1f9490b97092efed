#include "bench/linkem/stats_server.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/base/status_macros.h"

namespace tandem::linkem {
namespace {

// A client that has not sent its request line within this long is dropped.
constexpr int kRequestTimeoutSeconds = 2;
constexpr size_t kMaxRequestBytes = 8192;

std::string Response(absl::string_view status, absl::string_view type, absl::string_view body) {
  return absl::StrCat("HTTP/1.0 ", status, "\r\nContent-Type: ", type,
                      "\r\nContent-Length: ", body.size(),
                      "\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n", body);
}

void SendAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

std::string StatsHttpResponse(absl::string_view request, const std::string& stats_json) {
  const absl::string_view line = request.substr(0, request.find_first_of("\r\n"));
  std::vector<absl::string_view> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
  if (parts.size() < 2) return Response("400 Bad Request", "text/plain", "bad request\n");
  absl::string_view path = parts[1];
  path = path.substr(0, path.find('?'));
  if (parts[0] == "GET" && path == "/stats") {
    return Response("200 OK", "application/json", absl::StrCat(stats_json, "\n"));
  }
  return Response("404 Not Found", "text/plain", "try GET /stats\n");
}

absl::StatusOr<std::unique_ptr<StatsServer>> StatsServer::Create(
    absl::string_view address, std::function<std::string()> stats_json) {
  TANDEM_ASSIGN_OR_RETURN(UniqueFd listener, ListenTcp(address, 16));
  TANDEM_ASSIGN_OR_RETURN(int port, LocalPort(listener.get()));
  TANDEM_ASSIGN_OR_RETURN(Waker stop, Waker::Create());
  return std::unique_ptr<StatsServer>(
      new StatsServer(std::move(listener), port, std::move(stop), std::move(stats_json)));
}

StatsServer::StatsServer(UniqueFd listener, int port, Waker stop,
                         std::function<std::string()> stats_json)
    : listener_(std::move(listener)),
      port_(port),
      stop_(std::move(stop)),
      stats_json_(std::move(stats_json)) {}

StatsServer::~StatsServer() { Shutdown(); }

void StatsServer::Start() {
  thread_ = std::thread([this] { Serve(); });
}

void StatsServer::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  stop_.Notify();
  if (thread_.joinable()) thread_.join();
  listener_.reset();
}

void StatsServer::Serve() {
  while (true) {
    pollfd fds[2] = {{stop_.fd(), POLLIN, 0}, {listener_.get(), POLLIN, 0}};
    if (poll(fds, 2, -1) < 0 && errno != EINTR) return;
    if (fds[0].revents != 0) return;
    if (fds[1].revents == 0) continue;
    UniqueFd client(accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (client.valid()) Answer(std::move(client));
  }
}

void StatsServer::Answer(UniqueFd client) {
  timeval timeout{kRequestTimeoutSeconds, 0};
  setsockopt(client.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  std::string request;
  char buffer[1024];
  while (request.size() < kMaxRequestBytes && !absl::StrContains(request, "\r\n\r\n") &&
         !absl::StrContains(request, "\n\n")) {
    const ssize_t n = recv(client.get(), buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    request.append(buffer, static_cast<size_t>(n));
  }
  if (request.empty()) return;
  SendAll(client.get(), StatsHttpResponse(request, stats_json_()));
}

}  // namespace tandem::linkem
