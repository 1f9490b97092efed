#include "bench/linkem/link_stats.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "absl/strings/str_format.h"

namespace tandem::linkem {
namespace {

double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

nlohmann::json DirectionJson(const DirectionStats& s) {
  return {
      {"bytes", s.bytes},
      {"segments", s.segments},
      {"lost_segments", s.lost_segments},
      {"fast_retransmit_stalls", s.fast_retransmit_stalls},
      {"rto_stalls", s.rto_stalls},
      {"loss_stall_ms", Ms(s.loss_stall_time)},
      {"outage_stalled_segments", s.outage_stalled_segments},
      {"outage_stall_ms", Ms(s.outage_stall_time)},
      {"delay_mean_ms", Ms(s.mean_delay())},
      {"delay_max_ms", Ms(s.delay_max)},
      {"writes", s.writes},
      {"lateness_mean_ms", Ms(s.mean_lateness())},
      {"lateness_max_ms", Ms(s.lateness_max)},
      {"backpressure_events", s.backpressure_events},
      {"backpressure_ms", Ms(s.backpressure_time)},
  };
}

std::string DirectionText(absl::string_view name, const DirectionStats& s) {
  return absl::StrFormat(
      "%-8s %d bytes in %d segments; delay mean %.3f ms max %.3f ms\n"
      "         loss stalls %d (%d fast retransmit, %d RTO) %.1f ms; outage stalls %d "
      "%.1f ms\n"
      "         backpressure %d times %.1f ms; write lateness mean %.3f ms max %.3f ms\n",
      name, s.bytes, s.segments, Ms(s.mean_delay()), Ms(s.delay_max), s.lost_segments,
      s.fast_retransmit_stalls, s.rto_stalls, Ms(s.loss_stall_time), s.outage_stalled_segments,
      Ms(s.outage_stall_time), s.backpressure_events, Ms(s.backpressure_time),
      Ms(s.mean_lateness()), Ms(s.lateness_max));
}

}  // namespace

void DirectionStats::Add(const Delivery& d) {
  bytes += d.bytes;
  ++segments;
  if (d.lost) {
    ++lost_segments;
    ++(d.rto ? rto_stalls : fast_retransmit_stalls);
    loss_stall_time += d.loss_stall;
  }
  if (d.outage_stall > absl::ZeroDuration()) {
    ++outage_stalled_segments;
    outage_stall_time += d.outage_stall;
  }
  const absl::Duration delay = d.due - d.arrival;
  delay_sum += delay;
  delay_max = std::max(delay_max, delay);
}

void DirectionStats::AddWrite(absl::Duration lateness) {
  ++writes;
  lateness_sum += lateness;
  lateness_max = std::max(lateness_max, lateness);
}

void DirectionStats::Merge(const DirectionStats& o) {
  bytes += o.bytes;
  segments += o.segments;
  lost_segments += o.lost_segments;
  fast_retransmit_stalls += o.fast_retransmit_stalls;
  rto_stalls += o.rto_stalls;
  loss_stall_time += o.loss_stall_time;
  outage_stalled_segments += o.outage_stalled_segments;
  outage_stall_time += o.outage_stall_time;
  delay_sum += o.delay_sum;
  delay_max = std::max(delay_max, o.delay_max);
  writes += o.writes;
  lateness_sum += o.lateness_sum;
  lateness_max = std::max(lateness_max, o.lateness_max);
  backpressure_events += o.backpressure_events;
  backpressure_time += o.backpressure_time;
}

absl::Duration DirectionStats::mean_delay() const {
  return segments > 0 ? delay_sum / segments : absl::ZeroDuration();
}

absl::Duration DirectionStats::mean_lateness() const {
  return writes > 0 ? lateness_sum / writes : absl::ZeroDuration();
}

std::string LinkStats::ToText() const {
  return absl::StrFormat(
             "tandem-linkem: %.1f s, %d connections (%d active), %d upstream connect "
             "failures, %d outage resets, %d peer resets\n",
             absl::ToDoubleSeconds(elapsed), connections_accepted, connections_active,
             upstream_connect_failures, outage_resets, peer_resets) +
         DirectionText("uplink", uplink) + DirectionText("downlink", downlink);
}

std::string LinkStats::ToJson() const {
  nlohmann::json out = {
      {"elapsed_s", absl::ToDoubleSeconds(elapsed)},
      {"connections_accepted", connections_accepted},
      {"connections_active", connections_active},
      {"upstream_connect_failures", upstream_connect_failures},
      {"outage_resets", outage_resets},
      {"peer_resets", peer_resets},
      {"uplink", DirectionJson(uplink)},
      {"downlink", DirectionJson(downlink)},
  };
  return out.dump();
}

void StatsRecorder::AddDirection(Direction direction, const DirectionStats& delta) {
  absl::MutexLock lock(&mu_);
  (direction == Direction::kUplink ? stats_.uplink : stats_.downlink).Merge(delta);
}

void StatsRecorder::ConnectionAccepted() {
  absl::MutexLock lock(&mu_);
  ++stats_.connections_accepted;
  ++stats_.connections_active;
}

void StatsRecorder::ConnectionClosed() {
  absl::MutexLock lock(&mu_);
  --stats_.connections_active;
}

void StatsRecorder::UpstreamConnectFailed() {
  absl::MutexLock lock(&mu_);
  ++stats_.upstream_connect_failures;
}

void StatsRecorder::OutageReset() {
  absl::MutexLock lock(&mu_);
  ++stats_.outage_resets;
}

void StatsRecorder::PeerReset() {
  absl::MutexLock lock(&mu_);
  ++stats_.peer_resets;
}

LinkStats StatsRecorder::Snapshot(absl::Duration elapsed) const {
  absl::MutexLock lock(&mu_);
  LinkStats copy = stats_;
  copy.elapsed = elapsed;
  return copy;
}

}  // namespace tandem::linkem
