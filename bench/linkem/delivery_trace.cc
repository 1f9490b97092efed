#include "bench/linkem/delivery_trace.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/base/file_util.h"
#include "common/base/status_macros.h"

namespace tandem::linkem {

absl::StatusOr<DeliveryTrace> DeliveryTrace::Parse(absl::string_view text,
                                                   absl::string_view source_name) {
  std::vector<int64_t> times_ms;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    int64_t ms = 0;
    if (!absl::SimpleAtoi(line, &ms) || ms < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(source_name, ":", line_number, ": \"", line,
                       "\" is not a delivery time; each line must be one non-negative "
                       "integer number of milliseconds (Mahimahi trace format)"));
    }
    if (!times_ms.empty() && ms < times_ms.back()) {
      return absl::InvalidArgumentError(absl::StrCat(
          source_name, ":", line_number, ": time ", ms, " ms is before the previous line's ",
          times_ms.back(), " ms; delivery times must be non-decreasing"));
    }
    times_ms.push_back(ms);
  }
  if (times_ms.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_name, ": the trace has no delivery times"));
  }
  if (times_ms.back() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_name,
                     ": the last delivery time is 0 ms, so the trace has no period; "
                     "the trace repeats every <last time> ms, which must be > 0"));
  }
  return DeliveryTrace(std::move(times_ms));
}

absl::StatusOr<DeliveryTrace> DeliveryTrace::Load(const std::string& path) {
  TANDEM_ASSIGN_OR_RETURN(std::string text, base::ReadFileToString(path));
  return Parse(text, path);
}

absl::Duration DeliveryTrace::OpportunityTime(int64_t k) const {
  const int64_t n = opportunities_per_period();
  return absl::Milliseconds((k / n) * times_ms_.back() + times_ms_[k % n]);
}

int64_t DeliveryTrace::FirstOpportunityAtOrAfter(absl::Duration t) const {
  if (t <= absl::ZeroDuration()) return 0;
  const int64_t n = opportunities_per_period();
  const int64_t period_us = times_ms_.back() * 1000;
  const int64_t t_us = absl::ToInt64Microseconds(absl::Ceil(t, absl::Microseconds(1)));
  // Cycle c holds times c * period + time[i] with time[i] in [0, period], so the
  // answer lies in cycle t / period - 1 (its entries equal to the period) or t / period.
  for (int64_t cycle = std::max<int64_t>(0, t_us / period_us - 1);; ++cycle) {
    const int64_t within_us = t_us - cycle * period_us;
    const auto it = std::lower_bound(times_ms_.begin(), times_ms_.end(), within_us,
                                     [](int64_t ms, int64_t us) { return ms * 1000 < us; });
    if (it != times_ms_.end()) return cycle * n + (it - times_ms_.begin());
  }
}

double DeliveryTrace::MeanRateKbps(int64_t bytes_per_opportunity) const {
  const double bits = static_cast<double>(opportunities_per_period()) * bytes_per_opportunity * 8;
  return bits / static_cast<double>(times_ms_.back());  // bits per ms = kbit/s
}

}  // namespace tandem::linkem
