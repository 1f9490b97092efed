#include "common/model/emulated_forward_cost.h"

#include <algorithm>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace tandem::model {
namespace {

absl::Status BadCost(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("--emulate-forward=", std::string(text), ": ", std::string(why),
                   "; use FIXED or FIXED+PER_TOKEN/token with durations such as 100ms or "
                   "0.5ms (e.g. 100ms+0.5ms/token), or 0 for off"));
}

}  // namespace

absl::Duration EmulatedForwardCost::PaddingAfter(absl::Duration elapsed, int64_t tokens) const {
  return std::max(absl::ZeroDuration(), For(tokens) - elapsed);
}

void EmulatedForwardCost::PadForward(absl::Time started, int64_t tokens) const {
  if (!enabled()) return;
  const absl::Duration padding = PaddingAfter(absl::Now() - started, tokens);
  if (padding > absl::ZeroDuration()) absl::SleepFor(padding);
}

absl::StatusOr<EmulatedForwardCost> EmulatedForwardCost::Parse(absl::string_view text) {
  EmulatedForwardCost cost;
  if (text.empty() || text == "0") return cost;
  const std::vector<absl::string_view> parts = absl::StrSplit(text, '+');
  if (parts.size() > 2) return BadCost(text, "more than one '+'");
  if (!absl::ParseDuration(std::string(parts[0]), &cost.fixed)) {
    return BadCost(text, absl::StrCat("'", std::string(parts[0]), "' is not a duration"));
  }
  if (parts.size() == 2) {
    absl::string_view per_token = parts[1];
    if (!absl::ConsumeSuffix(&per_token, "/token")) {
      return BadCost(text, "the per-token part must end in /token");
    }
    if (!absl::ParseDuration(std::string(per_token), &cost.per_token)) {
      return BadCost(text, absl::StrCat("'", std::string(per_token), "' is not a duration"));
    }
  }
  if (cost.fixed < absl::ZeroDuration() || cost.per_token < absl::ZeroDuration()) {
    return BadCost(text, "durations must not be negative");
  }
  if (cost.fixed > absl::Seconds(10) || cost.per_token > absl::Seconds(1)) {
    return BadCost(text, "over 10 s per forward (or 1 s per token) is surely a typo");
  }
  return cost;
}

std::string EmulatedForwardCost::ToString() const {
  if (!enabled()) return "0";
  std::string out = absl::FormatDuration(fixed);
  if (per_token > absl::ZeroDuration()) {
    absl::StrAppend(&out, "+", absl::FormatDuration(per_token), "/token");
  }
  return out;
}

}  // namespace tandem::model
