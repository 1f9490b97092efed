#include "bench/linkem/relay_connection.h"

#include <sys/prctl.h>

#include "absl/strings/str_cat.h"
#include "common/base/logging.h"
#include "common/base/status_macros.h"

namespace tandem::linkem {
namespace {

// The kernel may defer a timed wakeup by the thread's timer slack (50 us by
// default); the pumps want their due times to the microsecond.
void UsePreciseTimers() { prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0); }

// SplitMix64 finalizer: decorrelates the seeds of neighbouring connections.
uint64_t MixSeed(uint64_t seed, uint64_t id, Direction direction) {
  uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (2 * id + (direction == Direction::kDownlink));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

absl::Status ConnectionOptions::Validate() const {
  TANDEM_RETURN_IF_ERROR(ParseHostPort(upstream_address).status());
  if (connect_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("connect timeout ", absl::FormatDuration(connect_timeout), ": must be > 0"));
  }
  if (pump.read_chunk_bytes < 1 || pump.max_pending_bytes < pump.read_chunk_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("read chunk ", pump.read_chunk_bytes,
                                                   " bytes, max pending ", pump.max_pending_bytes,
                                                   " bytes: need 1 <= read chunk <= max pending"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<RelayConnection>> RelayConnection::Create(
    uint64_t id, UniqueFd client, Shared shared, std::function<void()> on_done) {
  TANDEM_ASSIGN_OR_RETURN(Waker waker, Waker::Create());
  return std::unique_ptr<RelayConnection>(
      new RelayConnection(id, std::move(client), shared, std::move(waker), std::move(on_done)));
}

RelayConnection::RelayConnection(uint64_t id, UniqueFd client, Shared shared, Waker waker,
                                 std::function<void()> on_done)
    : id_(id),
      client_(std::move(client)),
      shared_(shared),
      control_(std::move(waker)),
      on_done_(std::move(on_done)) {}

RelayConnection::~RelayConnection() { Join(); }

void RelayConnection::Start() {
  thread_ = std::thread([this] { Main(); });
}

void RelayConnection::Stop() { control_.RequestStop(); }

void RelayConnection::Join() {
  if (thread_.joinable()) thread_.join();
}

void RelayConnection::Main() {
  UsePreciseTimers();
  auto upstream = ConnectTcp(shared_.options->upstream_address, shared_.options->connect_timeout);
  if (!upstream.ok()) {
    ABSL_LOG(WARNING) << "connection " << id_ << ": " << upstream.status().message()
                      << "; resetting the client";
    shared_.stats->UpstreamConnectFailed();
    CloseWithReset(std::move(client_));
  } else {
    SetNoDelay(upstream->get());
    if (Pump(upstream->get())) {
      if (outage_reset_.load()) shared_.stats->OutageReset();
      if (socket_error_.load()) shared_.stats->PeerReset();
      CloseWithReset(std::move(client_));
      CloseWithReset(std::move(*upstream));
    } else {
      client_.reset();
      upstream->reset();
    }
  }
  shared_.stats->ConnectionClosed();
  on_done_();
}

void RelayConnection::NoteEnd(PumpEnd end) {
  if (end == PumpEnd::kOutageReset) outage_reset_.store(true);
  if (end == PumpEnd::kSocketError) socket_error_.store(true);
  if (end == PumpEnd::kOutageReset || end == PumpEnd::kSocketError) control_.RequestReset();
}

bool RelayConnection::Pump(int upstream_fd) {
  const LinkModel& link = *shared_.link;
  DirectionShaper up_shaper(Direction::kUplink, &link.schedule, link.TraceFor(Direction::kUplink),
                            MixSeed(shared_.options->seed, id_, Direction::kUplink));
  DirectionShaper down_shaper(Direction::kDownlink, &link.schedule,
                              link.TraceFor(Direction::kDownlink),
                              MixSeed(shared_.options->seed, id_, Direction::kDownlink));
  DirectionPump uplink(client_.get(), upstream_fd, &up_shaper, &link.schedule, &control_,
                       shared_.clock, shared_.stats, shared_.options->pump);
  DirectionPump downlink(upstream_fd, client_.get(), &down_shaper, &link.schedule, &control_,
                         shared_.clock, shared_.stats, shared_.options->pump);
  std::thread down_thread([&] {
    UsePreciseTimers();
    NoteEnd(downlink.Run());
  });
  NoteEnd(uplink.Run());
  down_thread.join();
  return control_.reset.load();
}

}  // namespace tandem::linkem
