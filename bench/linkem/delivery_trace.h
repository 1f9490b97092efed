#ifndef TANDEM_BENCH_LINKEM_DELIVERY_TRACE_H_
#define TANDEM_BENCH_LINKEM_DELIVERY_TRACE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace tandem::linkem {

// A Mahimahi-style packet delivery trace: each line is a time in whole
// milliseconds at which one packet (up to one MSS of payload, i.e. a
// 1500-byte MTU packet) may leave the bottleneck. Lines are non-decreasing;
// a time repeated n times is n opportunities in that millisecond. The trace
// repeats forever with period = its last time, as in Mahimahi's LinkQueue:
// opportunity k is at (k / n) * period + time[k % n]. Unused opportunities
// are lost (they do not accumulate).
//
// Immutable after parsing; safe to share between threads.
class DeliveryTrace {
 public:
  // Parses the text of a trace. Blank lines and lines starting with '#' are
  // skipped. InvalidArgument naming "<source_name>:<line>" for a line that is
  // not a non-negative integer, a time earlier than the line before, or a
  // trace without opportunities or with a last time of 0.
  static absl::StatusOr<DeliveryTrace> Parse(absl::string_view text, absl::string_view source_name);
  // Reads and parses a file (NotFound if it does not exist).
  static absl::StatusOr<DeliveryTrace> Load(const std::string& path);

  // Time of opportunity k >= 0, counted from the start of the emulation.
  absl::Duration OpportunityTime(int64_t k) const;
  // The first opportunity at or after `t` (t < 0 counts as 0).
  int64_t FirstOpportunityAtOrAfter(absl::Duration t) const;

  absl::Duration period() const { return absl::Milliseconds(times_ms_.back()); }
  int64_t opportunities_per_period() const { return static_cast<int64_t>(times_ms_.size()); }
  // Average rate in kbit/s when each opportunity carries `bytes_per_opportunity`.
  double MeanRateKbps(int64_t bytes_per_opportunity) const;

 private:
  explicit DeliveryTrace(std::vector<int64_t> times_ms) : times_ms_(std::move(times_ms)) {}

  std::vector<int64_t> times_ms_;  // [n] non-decreasing; back() is the period
};

}  // namespace tandem::linkem

#endif  // TANDEM_BENCH_LINKEM_DELIVERY_TRACE_H_
