#ifndef TANDEM_BENCH_LINKEM_STATS_SERVER_H_
#define TANDEM_BENCH_LINKEM_STATS_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "bench/linkem/socket_util.h"

namespace tandem::linkem {

// A minimal HTTP/1.0 endpoint: `GET /stats` answers 200 with the JSON that
// `stats_json` returns (called on the server's thread, so it must be
// thread-safe); any other request gets 404, a malformed one 400. One
// request per connection, served one at a time (it is for humans and
// scripts polling now and then, not for load).
//
// Lifecycle: Create() binds (port() valid), Start() starts the thread,
// Shutdown() (idempotent; the destructor calls it) stops and joins it.
class StatsServer {
 public:
  static absl::StatusOr<std::unique_ptr<StatsServer>> Create(
      absl::string_view address, std::function<std::string()> stats_json);
  ~StatsServer();

  void Start();
  void Shutdown();
  int port() const { return port_; }

 private:
  StatsServer(UniqueFd listener, int port, Waker stop, std::function<std::string()> stats_json);
  void Serve();
  void Answer(UniqueFd client);

  UniqueFd listener_;
  const int port_;
  Waker stop_;
  std::function<std::string()> stats_json_;
  std::thread thread_;
  bool shut_down_ = false;
};

// The status line and headers + body of the answer to `request` (its
// first line is what matters), given the current stats JSON. Exposed for
// tests.
std::string StatsHttpResponse(absl::string_view request, const std::string& stats_json);

}  // namespace tandem::linkem

#endif  // TANDEM_BENCH_LINKEM_STATS_SERVER_H_
