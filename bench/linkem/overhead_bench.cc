// tandem-linkem-overhead-bench: what the relay adds at zero impairment.
//
// An in-process echo server on 127.0.0.1, and a relay in front of it with
// the identity profile. A client does --round-trips ping-pongs of
// --message-bytes, alternating blocks of 100 direct and 100 relayed round
// trips (so drift in machine load hits both alike), and prints one JSON row:
// the medians and tails of both, and the median overhead per round trip
// (each relayed round trip crosses the relay twice: uplink + downlink).

#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "bench/linkem/echo_server.h"
#include "bench/linkem/relay.h"
#include "bench/linkem/socket_util.h"
#include "common/base/flag_spelling.h"

#ifndef TANDEM_GIT_SHA
#define TANDEM_GIT_SHA "unknown"
#endif

ABSL_FLAG(int, round_trips, 4000, "Round trips per path (direct and relayed).");
ABSL_FLAG(int, message_bytes, 64, "Bytes per message.");
ABSL_FLAG(std::string, git_sha, TANDEM_GIT_SHA, "Recorded in the output row.");

namespace {

using tandem::linkem::UniqueFd;

// One ping-pong; returns the round-trip time in microseconds, or -1.
double RoundTrip(int fd, std::string& message, std::string& reply) {
  const auto start = std::chrono::steady_clock::now();
  if (send(fd, message.data(), message.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(message.size())) {
    return -1;
  }
  size_t got = 0;
  while (got < reply.size()) {
    const ssize_t n = recv(fd, reply.data() + got, reply.size() - got, 0);
    if (n <= 0) return -1;
    got += static_cast<size_t>(n);
  }
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
      .count();
}

double Quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * (v.size() - 1))];
}

nlohmann::json Summary(const std::vector<double>& us) {
  return {{"median_us", Quantile(us, 0.5)},
          {"p90_us", Quantile(us, 0.9)},
          {"p99_us", Quantile(us, 0.99)}};
}

int Fail(const absl::Status& status) {
  std::cerr << "error: " << status.message() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  tandem::base::ArgvStorage args(tandem::base::NormalizeFlagSpelling(argc, argv));
  absl::ParseCommandLine(args.argc(), args.argv());
  const int round_trips = absl::GetFlag(FLAGS_round_trips);
  const int message_bytes = absl::GetFlag(FLAGS_message_bytes);
  if (round_trips < 100 || message_bytes < 1) {
    return Fail(absl::InvalidArgumentError("need --round-trips >= 100 and --message-bytes >= 1"));
  }
  auto echo = tandem::linkem::EchoServer::Create("127.0.0.1:0");
  if (!echo.ok()) return Fail(echo.status());
  (*echo)->Start();
  tandem::linkem::RelayOptions options;
  options.connection.upstream_address = absl::StrCat("127.0.0.1:", (*echo)->port());
  auto relay = tandem::linkem::Relay::Create(options, tandem::linkem::LinkModel{});
  if (!relay.ok()) return Fail(relay.status());
  (*relay)->Start();
  const absl::Duration timeout = absl::Seconds(5);
  auto direct = tandem::linkem::ConnectTcp(options.connection.upstream_address, timeout);
  auto relayed = tandem::linkem::ConnectTcp(absl::StrCat("127.0.0.1:", (*relay)->port()), timeout);
  if (!direct.ok()) return Fail(direct.status());
  if (!relayed.ok()) return Fail(relayed.status());
  tandem::linkem::SetNoDelay(direct->get());
  tandem::linkem::SetNoDelay(relayed->get());

  std::string message(static_cast<size_t>(message_bytes), 'x');
  std::string reply(message.size(), '\0');
  std::vector<double> direct_us, relayed_us;
  constexpr int kBlock = 100;
  for (int done = 0; done < round_trips; done += kBlock) {
    for (int i = 0; i < kBlock; ++i) direct_us.push_back(RoundTrip(direct->get(), message, reply));
    for (int i = 0; i < kBlock; ++i) {
      relayed_us.push_back(RoundTrip(relayed->get(), message, reply));
    }
  }
  if (std::count(direct_us.begin(), direct_us.end(), -1.0) +
          std::count(relayed_us.begin(), relayed_us.end(), -1.0) >
      0) {
    return Fail(absl::InternalError("a round trip failed"));
  }
  direct->reset();
  relayed->reset();
  (*relay)->Shutdown();
  (*echo)->Shutdown();
  nlohmann::json row = {
      {"bench", "linkem_overhead"},
      {"git_sha", absl::GetFlag(FLAGS_git_sha)},
      {"config",
       {{"round_trips", round_trips}, {"message_bytes", message_bytes}, {"profile", "none"}}},
      {"direct", Summary(direct_us)},
      {"relayed", Summary(relayed_us)},
      {"overhead_median_us", Quantile(relayed_us, 0.5) - Quantile(direct_us, 0.5)},
      {"overhead_per_crossing_median_us",
       (Quantile(relayed_us, 0.5) - Quantile(direct_us, 0.5)) / 2},
  };
  std::cout << row.dump() << "\n";
  return 0;
}
