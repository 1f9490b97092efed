#include "edge/uplink_queue.h"

#include <algorithm>

namespace tandem::edge {
namespace {
constexpr size_t kMaxSends = 1024;  // sends older than the last report are not needed
}  // namespace

UplinkQueue UplinkQueue::ForNewSession() const {
  UplinkQueue next = *this;
  next.reports_.clear();
  next.sends_.clear();
  return next;
}

void UplinkQueue::OnSent(int64_t total_bytes, int64_t at_us) {
  sends_.emplace_back(at_us, total_bytes);
  while (sends_.size() > kMaxSends) sends_.pop_front();
}

void UplinkQueue::OnDelivered(int64_t sent_at_us, int64_t received_at_us, int64_t bytes_received) {
  if (!reports_.empty()) {
    const Report& last = reports_.back();
    // Already known: a chunk that arrived before the messages of the last
    // verdict's receipts (Verdict.receipt_*) is reported again by its own
    // verdict.
    if (received_at_us <= last.received_at_us && bytes_received <= last.bytes_received) return;
    // A clock step or a new stream: start over.
    if (received_at_us < last.received_at_us || bytes_received < last.bytes_received) {
      reports_.clear();
    }
  }
  const int64_t one_way_us = received_at_us - sent_at_us;  // + the clocks' offset
  // A rate sample: the better of (a) against the previous report, its
  // interval widened by kReceiveSlackUs, and (b) against the latest report
  // at least kMinSpanUs before. Either interval is the longer of receive and
  // send (a link cannot deliver faster than the edge sent).
  bool paced_run_now = false;  // this report completed a run of paced samples
  if (!reports_.empty()) {
    // Both spans are positive: reports arrive in receive order (else they
    // were cleared above), and the slack or kMinSpanUs is added or required.
    auto rate = [&](const Report& from, int64_t slack_us) {
      const int64_t span_us =
          std::max(received_at_us - from.received_at_us, sent_at_us - from.sent_at_us) + slack_us;
      return static_cast<double>(bytes_received - from.bytes_received) * 1e6 /
             static_cast<double>(span_us);
    };
    const Report& previous = reports_.back();
    double sample = rate(previous, kReceiveSlackUs);
    for (auto it = reports_.rbegin(); it != reports_.rend(); ++it) {
      if (received_at_us - it->received_at_us >= kMinSpanUs) {
        sample = std::max(sample, rate(*it, 0));
        break;
      }
    }
    // Paced by the link: both messages queued behind a busy link (the
    // previous one's queueing is still the last entry; this one's against
    // the least one-way delay so far), this one was sent while the previous
    // one still queued (else the link may have idled between them, and the
    // sample is only the edge's pace: a path that grew longer queues every
    // message by the difference, and the sparse chunks a held-back edge
    // sends a round trip apart then read as a link a tenth as fast as it
    // is), and the link spread them out at least half as far as the edge
    // did (a stall's release delivers a backlog at once: that interval
    // shows the edge's pace, not the link's).
    const int64_t sent_apart_us = sent_at_us - previous.sent_at_us;
    const bool paced_by_link = last_queueing_us_.has_value() &&
                               *last_queueing_us_ >= kBottleneckQueueingUs &&
                               sent_apart_us < *last_queueing_us_ &&
                               QueueingUs(sent_at_us, received_at_us) >= kBottleneckQueueingUs &&
                               2 * (received_at_us - previous.received_at_us) >= sent_apart_us;
    capacity_samples_.push_back({sample, paced_by_link});
    // A run of paced samples is the link's rate now: older samples, from
    // before the link turned into the bottleneck, no longer bound it.
    size_t paced_run = 0;
    for (auto it = capacity_samples_.rbegin(); it != capacity_samples_.rend() && it->paced_by_link;
         ++it) {
      ++paced_run;
    }
    if (paced_run >= kBottleneckSamples) {
      capacity_samples_.erase(capacity_samples_.begin(), capacity_samples_.end() - paced_run);
    }
    while (static_cast<int>(capacity_samples_.size()) > std::max(1, capacity_window_)) {
      capacity_samples_.pop_front();
    }
    // The bottleneck's rate for the controller: from a run of paced samples
    // until a faster sample (the link turned fat) or until no run for a
    // window of reports (a stall or jitter, not a thin link, made that run:
    // a fat link's estimate, only the edge's own rate, never doubles).
    paced_run_now = paced_run >= kBottleneckSamples;
    if (paced_run_now) {
      paced_capacity_ = capacity_bytes_per_s();
      reports_since_paced_run_ = 0;
    } else if (capacity_bytes_per_s() > kBottleneckRelease * paced_capacity_ ||
               ++reports_since_paced_run_ > capacity_window_) {
      paced_capacity_ = 0;
    }
  }
  reports_.push_back({sent_at_us, received_at_us, bytes_received});
  while (static_cast<int>(reports_.size()) > std::max(2, capacity_window_)) reports_.pop_front();

  const std::optional<int64_t> previous_queueing_us = last_queueing_us_;
  min_one_way_us_ =
      last_queueing_us_.has_value() ? std::min(min_one_way_us_, one_way_us) : one_way_us;
  last_sent_at_us_ = sent_at_us;
  last_queueing_us_ = one_way_us - min_one_way_us_;
  if (previous_queueing_us.has_value() && *previous_queueing_us < kBottleneckQueueingUs &&
      *last_queueing_us_ >= kQueueJumpUs) {
    queue_jumped_ = true;
    // The edge's latest send (this session has sent at least the reported message).
    jump_known_after_send_us_ = sends_.empty() ? sent_at_us : sends_.back().first;
  } else if (queue_jumped_ && (*last_queueing_us_ < kBottleneckQueueingUs || paced_run_now ||
                               sent_at_us > jump_known_after_send_us_)) {
    // Settled: the backlog drained, a paced run measured the bottleneck, or
    // a message sent since the jump was known came through without one.
    queue_jumped_ = false;
  }
  // Sends before the reported chunk no longer matter.
  while (sends_.size() > 1 && sends_[1].first <= sent_at_us) sends_.pop_front();
}

int64_t UplinkQueue::QueueingUs(int64_t sent_at_us, int64_t received_at_us) const {
  if (!last_queueing_us_.has_value()) return 0;
  return std::max<int64_t>(0, received_at_us - sent_at_us - min_one_way_us_);
}

double UplinkQueue::bottleneck_bytes_per_s() const {
  return paced_capacity_ > 0 ? capacity_bytes_per_s() : 0.0;
}

double UplinkQueue::capacity_bytes_per_s() const {
  double capacity = 0.0;
  for (const CapacitySample& sample : capacity_samples_) {
    capacity = std::max(capacity, sample.bytes_per_s);
  }
  return capacity;
}

int64_t UplinkQueue::QueueDelayUs(int64_t now_us, int64_t extra_bytes) const {
  const double capacity = capacity_bytes_per_s();  // bytes/s
  if (!last_queueing_us_.has_value() || capacity <= 0 || sends_.empty()) return 0;
  // At s_k the queue held q_k's worth of bytes ahead of chunk k; from there
  // each later send adds its bytes.
  int64_t total_at_k = 0;
  for (const auto& [sent_at, bytes] : sends_) {
    if (sent_at > last_sent_at_us_) break;
    total_at_k = bytes;
  }
  const double queued =
      QueuedBytes(capacity, capacity * static_cast<double>(*last_queueing_us_) * 1e-6,
                  last_sent_at_us_, total_at_k, now_us, extra_bytes);
  return static_cast<int64_t>(queued / capacity * 1e6);
}

int64_t UplinkQueue::AssumedQueueDelayUs(int64_t now_us, int64_t extra_bytes,
                                         double bytes_per_s) const {
  if (bytes_per_s <= 0) return 0;
  if (sends_.empty()) {
    return static_cast<int64_t>(static_cast<double>(extra_bytes) / bytes_per_s * 1e6);
  }
  // Empty before the session's first send, whose bytes are the first added;
  // once a report has pruned the sends before it, empty after the first
  // send still known (what came before it is not known).
  const auto& [first_at, first_total] = sends_.front();
  const double queued = QueuedBytes(bytes_per_s, 0.0, first_at, reports_.empty() ? 0 : first_total,
                                    now_us, extra_bytes);
  return static_cast<int64_t>(queued / bytes_per_s * 1e6);
}

double UplinkQueue::QueuedBytes(double bytes_per_s, double queued, int64_t from_us,
                                int64_t from_total, int64_t now_us, int64_t extra_bytes) const {
  // Q = max(0, Q - C dt) + b for each send after from_us (a send at from_us
  // itself counts when from_total has not: the first send of a session): an
  // idle link banks no credit for a burst.
  int64_t at_us = from_us;
  int64_t total = from_total;
  for (const auto& [sent_at, bytes] : sends_) {
    if (sent_at < from_us || bytes <= total) continue;
    queued = std::max(0.0, queued - bytes_per_s * static_cast<double>(sent_at - at_us) * 1e-6) +
             static_cast<double>(bytes - total);
    total = bytes;
    at_us = sent_at;
  }
  return std::max(0.0, queued - bytes_per_s * static_cast<double>(now_us - at_us) * 1e-6) +
         static_cast<double>(extra_bytes);
}

}  // namespace tandem::edge
