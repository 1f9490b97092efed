#include "bench/linkem/direction_shaper.h"

#include <algorithm>
#include <cmath>

#include "common/base/logging.h"

namespace tandem::linkem {

absl::string_view DirectionName(Direction direction) {
  return direction == Direction::kUplink ? "uplink" : "downlink";
}

DirectionShaper::DirectionShaper(Direction direction, const ProfileSchedule* schedule,
                                 const DeliveryTrace* trace, uint64_t seed)
    : direction_(direction), schedule_(schedule), trace_(trace), rng_(seed) {
  ABSL_CHECK(schedule_ != nullptr);
}

const DirectionProfile& DirectionShaper::ProfileOf(const LinkProfile& link) const {
  return direction_ == Direction::kUplink ? link.uplink : link.downlink;
}

double DirectionShaper::Uniform() {
  // 53 random bits -> [0, 1), identical on every platform (unlike
  // std::uniform_real_distribution, whose algorithm is unspecified).
  return static_cast<double>(rng_() >> 11) * 0x1.0p-53;
}

absl::Duration DirectionShaper::TransmitEnd(absl::Duration arrival, int64_t bytes) {
  if (trace_ != nullptr) {
    // One opportunity per segment, each used once, in order.
    const int64_t k = std::max(trace_->FirstOpportunityAtOrAfter(arrival), next_opportunity_);
    next_opportunity_ = k + 1;
    return std::max(trace_->OpportunityTime(k), link_free_);
  }
  // The segment is serialized from when the link is free, at the rate in
  // effect while it goes: a schedule's change of rate applies to the bytes
  // already queued, as a cell's new grant does (and as a delivery trace's
  // opportunities do), not only to those that arrive after it.
  absl::Duration t = std::max(arrival, link_free_);
  double bits = static_cast<double>(bytes) * 8.0;
  for (;;) {
    const double rate_kbps = ProfileOf(schedule_->At(t)).rate_kbps;
    if (rate_kbps <= 0.0) return t;  // unlimited from t on
    const double bits_per_s = rate_kbps * 1000.0;
    const absl::Duration change = schedule_->NextChangeAfter(t);
    const double seconds = bits / bits_per_s;
    if (change == absl::InfiniteDuration() || seconds <= absl::ToDoubleSeconds(change - t)) {
      return t + absl::Nanoseconds(std::llround(seconds * 1e9));  // whole nanoseconds
    }
    bits -= bits_per_s * absl::ToDoubleSeconds(change - t);
    t = change;
  }
}

absl::Duration DirectionShaper::Propagation(const DirectionProfile& profile) {
  if (profile.jitter <= absl::ZeroDuration()) return profile.delay;
  // delay + U(-jitter, +jitter), clamped at 0.
  const absl::Duration sample = profile.delay + profile.jitter * (2.0 * Uniform() - 1.0);
  return std::max(sample, absl::ZeroDuration());
}

absl::Duration DirectionShaper::LossStall(const LinkProfile& link, Delivery* delivery) {
  const DirectionProfile& profile = ProfileOf(link);
  if (!profile.HasLoss()) {
    consecutive_losses_ = 0;
    return absl::ZeroDuration();
  }
  const double u_loss = Uniform();
  const double u_transition = Uniform();
  if (!loss_model_.NextSegmentLost(profile, u_loss, u_transition)) {
    consecutive_losses_ = 0;
    return absl::ZeroDuration();
  }
  ++consecutive_losses_;
  delivery->lost = true;
  const absl::Duration rtt = link.rtt();
  if (consecutive_losses_ == 1) return rtt;  // fast retransmit: ~1 RTT
  delivery->rto = true;
  const absl::Duration rto = std::max(link.min_rto, 2 * rtt);
  // RTO * 2^(k-2), without overflowing for long runs.
  const int doublings = std::min(consecutive_losses_ - 2, 40);
  return std::min(link.max_rto, rto * std::ldexp(1.0, doublings));
}

void DirectionShaper::Admit(absl::Duration arrival, int64_t bytes, std::vector<Delivery>* out) {
  ABSL_CHECK_GT(bytes, 0);
  const LinkProfile& link = schedule_->At(arrival);
  const DirectionProfile& profile = ProfileOf(link);
  for (int64_t offset = 0; offset < bytes; offset += link.mss_bytes) {
    Delivery d;
    d.arrival = arrival;
    d.bytes = std::min<int64_t>(link.mss_bytes, bytes - offset);
    const absl::Duration tx_end = TransmitEnd(arrival, d.bytes);
    link_free_ = tx_end;
    queue_.push_back({tx_end, d.bytes});
    queued_bytes_ += d.bytes;
    absl::Duration due = std::max(last_due_, tx_end + Propagation(profile));
    d.loss_stall = LossStall(link, &d);
    due += d.loss_stall;
    const absl::Duration deferred = schedule_->DeferPastStallOutages(due);
    d.outage_stall = deferred - due;
    d.due = deferred;
    last_due_ = deferred;
    out->push_back(d);
  }
}

absl::Duration DirectionShaper::CloseDue(absl::Duration arrival) {
  const DirectionProfile& profile = ProfileOf(schedule_->At(arrival));
  const absl::Duration due = std::max(last_due_, arrival + profile.delay);
  last_due_ = schedule_->DeferPastStallOutages(due);
  return last_due_;
}

int64_t DirectionShaper::QueuedBytes(absl::Duration now) {
  while (!queue_.empty() && queue_.front().tx_end <= now) {
    queued_bytes_ -= queue_.front().bytes;
    queue_.pop_front();
  }
  return queued_bytes_;
}

int64_t DirectionShaper::AdmissibleBytes(absl::Duration now) {
  const int64_t limit = ProfileOf(schedule_->At(now)).queue_bytes;
  return std::max<int64_t>(0, limit - QueuedBytes(now));
}

absl::Duration DirectionShaper::NextDequeue() const {
  return queue_.empty() ? absl::InfiniteDuration() : queue_.front().tx_end;
}

}  // namespace tandem::linkem
