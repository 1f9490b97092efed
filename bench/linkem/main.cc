// tandem-linkem: a TCP relay that emulates a network link.
//
//   tandem-linkem --listen 127.0.0.1:7001 --upstream 127.0.0.1:7000 --preset wan
//   tandem-linkem --listen :7001 --upstream cloud:7000 --delay-ms 40 --rate-kbps 5000
//       --uplink rate_kbps=2000 --schedule drift.txt --stats-listen 127.0.0.1:7002
//
// Every client that connects to --listen is relayed to --upstream over its
// own connection; uplink (client -> upstream) and downlink are shaped
// separately. Statistics go to stderr on SIGINT/SIGTERM (and to --stats-json,
// and to GET /stats on --stats-listen while running). docs/linkem.md has the
// model, the presets and the file formats.

#include <signal.h>

#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "bench/linkem/link_model.h"
#include "bench/linkem/presets.h"
#include "bench/linkem/relay.h"
#include "bench/linkem/stats_server.h"
#include "common/base/file_util.h"
#include "common/base/flag_spelling.h"

ABSL_FLAG(std::string, listen, "", "Address clients connect to, HOST:PORT (port 0: any).");
ABSL_FLAG(std::string, upstream, "", "Address each client is relayed to, HOST:PORT.");
ABSL_FLAG(std::string, preset, "none",
          "Starting profile: none, lan, metro, wan, cellular, satellite (GEO) or leo.");
ABSL_FLAG(std::string, delay_ms, "", "One-way delay in ms, both directions (RTT = 2x).");
ABSL_FLAG(std::string, jitter_ms, "", "Jitter half-width in ms (uniform), both directions.");
ABSL_FLAG(std::string, rate_kbps, "", "Rate limit in kbit/s, both directions (0 = none).");
ABSL_FLAG(std::string, queue_kb, "", "Bottleneck queue in KiB, both directions.");
ABSL_FLAG(std::string, loss, "", "Random segment loss, both directions: 0.005 or 0.5%.");
ABSL_FLAG(std::string, burst_p, "", "Gilbert-Elliott P(good -> bad) per segment.");
ABSL_FLAG(std::string, burst_r, "", "Gilbert-Elliott P(bad -> good) per segment.");
ABSL_FLAG(std::string, burst_loss, "", "Loss probability in the bad state (default 1).");
ABSL_FLAG(std::string, uplink, "",
          "Uplink-only settings, e.g. \"rate_kbps=5000,delay_ms=40,loss=1%\".");
ABSL_FLAG(std::string, downlink, "", "Downlink-only settings, same keys as --uplink.");
ABSL_FLAG(std::string, uplink_trace, "", "Mahimahi delivery trace for the uplink rate.");
ABSL_FLAG(std::string, downlink_trace, "", "Mahimahi delivery trace for the downlink rate.");
ABSL_FLAG(std::string, schedule, "", "Time-varying profile file (AT_MS key=value ... lines).");
ABSL_FLAG(std::string, outage, "",
          "Outages START_MS+DURATION_MS[:stall|:reset], comma-separated; from start.");
ABSL_FLAG(uint64_t, seed, 1, "Seed of the jitter and loss random draws.");
ABSL_FLAG(absl::Duration, connect_timeout, absl::Seconds(10), "Upstream connect timeout.");
ABSL_FLAG(int64_t, max_pending_kb, 8192,
          "Per direction and connection: most KiB held in the relay (receive window).");
ABSL_FLAG(std::string, stats_listen, "", "Serve GET /stats (JSON) on this HOST:PORT.");
ABSL_FLAG(std::string, stats_json, "", "On exit, also write the stats as JSON here (- = stderr).");
ABSL_FLAG(bool, list_presets, false, "Print the presets and exit.");

namespace {

using tandem::linkem::LinkModelSpec;

int Fail(const absl::Status& status) {
  std::cerr << "tandem-linkem: error: " << status.message() << "\n";
  return 2;
}

LinkModelSpec SpecFromFlags() {
  LinkModelSpec spec;
  spec.preset = absl::GetFlag(FLAGS_preset);
  const std::pair<const char*, std::string> both[] = {
      {"delay_ms", absl::GetFlag(FLAGS_delay_ms)},
      {"jitter_ms", absl::GetFlag(FLAGS_jitter_ms)},
      {"rate_kbps", absl::GetFlag(FLAGS_rate_kbps)},
      {"queue_kb", absl::GetFlag(FLAGS_queue_kb)},
      {"loss", absl::GetFlag(FLAGS_loss)},
      {"burst_p", absl::GetFlag(FLAGS_burst_p)},
      {"burst_r", absl::GetFlag(FLAGS_burst_r)},
      {"burst_loss", absl::GetFlag(FLAGS_burst_loss)},
  };
  for (const auto& [key, value] : both) {
    if (!value.empty()) absl::StrAppend(&spec.settings, key, "=", value, " ");
  }
  spec.uplink_settings = absl::GetFlag(FLAGS_uplink);
  spec.downlink_settings = absl::GetFlag(FLAGS_downlink);
  spec.schedule_path = absl::GetFlag(FLAGS_schedule);
  spec.outages = absl::GetFlag(FLAGS_outage);
  spec.uplink_trace_path = absl::GetFlag(FLAGS_uplink_trace);
  spec.downlink_trace_path = absl::GetFlag(FLAGS_downlink_trace);
  return spec;
}

void PrintPresets() {
  for (const tandem::linkem::Preset& preset : tandem::linkem::Presets()) {
    std::cout << preset.name << ": " << preset.description << "\n"
              << preset.profile.ToString() << "\n";
  }
}

// Blocks SIGINT/SIGTERM in every thread (call before starting any) and
// returns the set to sigwait() on.
sigset_t BlockShutdownSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return signals;
}

int Run() {
  auto link = tandem::linkem::BuildLinkModel(SpecFromFlags());
  if (!link.ok()) return Fail(link.status());
  tandem::linkem::RelayOptions options;
  options.listen_address = absl::GetFlag(FLAGS_listen);
  options.connection.upstream_address = absl::GetFlag(FLAGS_upstream);
  options.connection.connect_timeout = absl::GetFlag(FLAGS_connect_timeout);
  options.connection.pump.max_pending_bytes = absl::GetFlag(FLAGS_max_pending_kb) * 1024;
  options.connection.seed = absl::GetFlag(FLAGS_seed);
  const std::string description = tandem::linkem::DescribeLinkModel(*link);
  const sigset_t signals = BlockShutdownSignals();
  auto relay = tandem::linkem::Relay::Create(options, std::move(*link));
  if (!relay.ok()) return Fail(relay.status());
  std::unique_ptr<tandem::linkem::StatsServer> stats_server;
  if (const std::string address = absl::GetFlag(FLAGS_stats_listen); !address.empty()) {
    tandem::linkem::Relay* raw = relay->get();
    auto server =
        tandem::linkem::StatsServer::Create(address, [raw] { return raw->Stats().ToJson(); });
    if (!server.ok()) return Fail(server.status());
    stats_server = std::move(*server);
  }
  (*relay)->Start();
  if (stats_server) stats_server->Start();
  std::cerr << absl::StrFormat("tandem-linkem: listening on port %d, relaying to %s\n",
                               (*relay)->port(), options.connection.upstream_address)
            << description;
  if (stats_server) std::cerr << "stats: GET /stats on port " << stats_server->port() << "\n";
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  if (stats_server) stats_server->Shutdown();
  (*relay)->Shutdown();
  const tandem::linkem::LinkStats stats = (*relay)->Stats();
  std::cerr << stats.ToText();
  if (const std::string path = absl::GetFlag(FLAGS_stats_json); path == "-") {
    std::cerr << stats.ToJson() << "\n";
  } else if (!path.empty()) {
    if (absl::Status s = tandem::base::WriteStringToFile(path, stats.ToJson() + "\n"); !s.ok()) {
      return Fail(s);
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "tandem-linkem --listen HOST:PORT --upstream HOST:PORT [--preset NAME] [flags]");
  tandem::base::ArgvStorage args(tandem::base::NormalizeFlagSpelling(argc, argv));
  absl::ParseCommandLine(args.argc(), args.argv());
  if (absl::GetFlag(FLAGS_list_presets)) {
    PrintPresets();
    return 0;
  }
  if (absl::GetFlag(FLAGS_listen).empty() || absl::GetFlag(FLAGS_upstream).empty()) {
    std::cerr << "usage: " << absl::ProgramUsageMessage() << "\n";
    return 2;
  }
  return Run();
}
