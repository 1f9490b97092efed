#include "bench/linkem/direction_pump.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>

#include "common/base/logging.h"

namespace tandem::linkem {
namespace {

// Compact the write buffer once this much has been consumed from its front.
constexpr size_t kCompactBytes = 1 << 20;

bool WouldBlock(int error) { return error == EAGAIN || error == EWOULDBLOCK; }

}  // namespace

DirectionPump::DirectionPump(int src_fd, int dst_fd, DirectionShaper* shaper,
                             const ProfileSchedule* schedule, const ConnectionControl* control,
                             const LinkClock* clock, StatsRecorder* stats, PumpOptions options)
    : src_(src_fd),
      dst_(dst_fd),
      shaper_(shaper),
      schedule_(schedule),
      control_(control),
      clock_(clock),
      stats_(stats),
      options_(options),
      chunk_(static_cast<size_t>(options.read_chunk_bytes)) {}

PumpEnd DirectionPump::Run() {
  const PumpEnd end = RunLoop();
  TrackBackpressure(clock_->Elapsed(), false);
  FlushStats();
  return end;
}

PumpEnd DirectionPump::RunLoop() {
  while (true) {
    if (control_->reset.load()) return PumpEnd::kReset;
    if (control_->stop.load()) return PumpEnd::kStopped;
    const absl::Duration now = clock_->Elapsed();
    if (schedule_->ResetOutageAt(now) != nullptr) return PumpEnd::kOutageReset;
    if (!WriteDue(now)) return PumpEnd::kSocketError;
    if (eof_ && pieces_.empty() && now >= fin_due_) {
      shutdown(dst_, SHUT_WR);
      return PumpEnd::kFinished;
    }
    const int64_t budget = ReadBudget(now);
    TrackBackpressure(now, !eof_ && budget == 0);
    FlushStats();

    pollfd fds[3];
    int n_fds = 0;
    fds[n_fds++] = {control_->waker.fd(), POLLIN, 0};
    const int src_index = budget > 0 ? n_fds : -1;
    if (budget > 0) fds[n_fds++] = {src_, POLLIN, 0};
    if (write_blocked_) fds[n_fds++] = {dst_, POLLOUT, 0};
    const absl::Duration wake = NextWake(now, budget);
    timespec timeout;
    timespec* timeout_ptr = nullptr;
    if (wake != absl::InfiniteDuration()) {
      timeout = absl::ToTimespec(std::max(wake - now, absl::ZeroDuration()));
      timeout_ptr = &timeout;
    }
    const int rc = ppoll(fds, n_fds, timeout_ptr, nullptr);
    if (rc < 0 && errno != EINTR) return PumpEnd::kSocketError;
    if (rc > 0 && src_index >= 0 && fds[src_index].revents != 0 && !ReadAvailable(budget)) {
      return PumpEnd::kSocketError;
    }
    write_blocked_ = false;  // WriteDue finds out again
  }
}

int64_t DirectionPump::ReadBudget(absl::Duration now) {
  if (eof_) return 0;
  const int64_t window = options_.max_pending_bytes - pending_bytes_;
  return std::max<int64_t>(
      0, std::min({shaper_->AdmissibleBytes(now), window, options_.read_chunk_bytes}));
}

absl::Duration DirectionPump::NextWake(absl::Duration now, int64_t budget) const {
  absl::Duration wake = absl::InfiniteDuration();
  if (!pieces_.empty() && !write_blocked_) wake = std::min(wake, pieces_.front().due);
  if (eof_ && pieces_.empty()) wake = std::min(wake, fin_due_);
  // Queue full: wake when the bottleneck has serialized its head segment.
  if (!eof_ && budget == 0) wake = std::min(wake, shaper_->NextDequeue());
  return std::min(wake, schedule_->NextResetOutageStart(now));
}

bool DirectionPump::ReadAvailable(int64_t budget) {
  const ssize_t n = recv(src_, chunk_.data(), static_cast<size_t>(budget), MSG_DONTWAIT);
  if (n < 0) return errno == EINTR || WouldBlock(errno);
  const absl::Duration arrival = clock_->Elapsed();
  if (n == 0) {
    eof_ = true;
    fin_due_ = shaper_->CloseDue(arrival);
    return true;
  }
  deliveries_.clear();
  shaper_->Admit(arrival, n, &deliveries_);
  data_.append(chunk_.data(), static_cast<size_t>(n));
  pending_bytes_ += n;
  for (const Delivery& d : deliveries_) {
    delta_.Add(d);
    // Segments due together are written together.
    if (!pieces_.empty() && pieces_.back().due == d.due) {
      pieces_.back().bytes += d.bytes;
    } else {
      pieces_.push_back({d.due, d.bytes});
    }
  }
  delta_dirty_ = true;
  return true;
}

bool DirectionPump::WriteDue(absl::Duration now) {
  int64_t due_bytes = 0;
  for (const Piece& piece : pieces_) {
    if (piece.due > now) break;
    due_bytes += piece.bytes;
  }
  while (due_bytes > 0) {
    const ssize_t n = send(dst_, data_.data() + head_, static_cast<size_t>(due_bytes),
                           MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (WouldBlock(errno)) {
        write_blocked_ = true;
        break;
      }
      return false;
    }
    ConsumeWritten(n, now);
    due_bytes -= n;
  }
  if (head_ == data_.size()) {
    data_.clear();
    head_ = 0;
  } else if (head_ >= kCompactBytes && 2 * head_ >= data_.size()) {
    data_.erase(0, head_);
    head_ = 0;
  }
  return true;
}

void DirectionPump::ConsumeWritten(int64_t n, absl::Duration now) {
  head_ += static_cast<size_t>(n);
  pending_bytes_ -= n;
  while (n > 0) {
    Piece& front = pieces_.front();
    const int64_t take = std::min(n, front.bytes);
    front.bytes -= take;
    n -= take;
    if (front.bytes == 0) {
      delta_.AddWrite(now - front.due);
      pieces_.pop_front();
    }
  }
  delta_dirty_ = true;
}

void DirectionPump::TrackBackpressure(absl::Duration now, bool blocked) {
  if (blocked == backpressured_) return;
  backpressured_ = blocked;
  if (blocked) {
    backpressure_since_ = now;
    ++delta_.backpressure_events;
  } else {
    delta_.backpressure_time += now - backpressure_since_;
  }
  delta_dirty_ = true;
}

void DirectionPump::FlushStats() {
  if (!delta_dirty_) return;
  stats_->AddDirection(shaper_->direction(), delta_);
  delta_ = DirectionStats();
  delta_dirty_ = false;
}

}  // namespace tandem::linkem
