#ifndef TANDEM_BENCH_LINKEM_PROFILE_SCHEDULE_H_
#define TANDEM_BENCH_LINKEM_PROFILE_SCHEDULE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "bench/linkem/link_profile.h"

namespace tandem::linkem {

enum class OutageMode {
  kStall,  // nothing is delivered during the window; delivery resumes at its end
  kReset,  // connections open at the start of the window are reset (RST to
           // both sides); connections accepted during it are reset at once
};

// [start, end) measured from the start of the emulation.
struct OutageWindow {
  absl::Duration start;
  absl::Duration end;
  OutageMode mode = OutageMode::kStall;
};

absl::string_view OutageModeName(OutageMode mode);

// Parses "START_MS+DURATION_MS[:stall|:reset]" items separated by commas,
// e.g. "10000+2000:reset,30000+500" (stall is the default mode).
absl::StatusOr<std::vector<OutageWindow>> ParseOutageList(absl::string_view text);

// The link profile as a function of time, plus outage windows. Times are
// durations since the emulation started (the relay's Start()).
//
// Schedule file format, one change per line ('#' starts a comment):
//   AT_MS key=value [key=value ...]
// Keys are those of ApplySetting (delay_ms, up.rate_kbps, loss, ...) plus
//   preset=NAME             restart from a named preset at this point
//   outage=stall|reset      an outage starting at AT_MS ...
//   outage_ms=N             ... lasting N ms (required with outage=)
// Each line changes the profile in effect before it (the base profile for
// the first), from AT_MS on; AT_MS must not decrease.
//
// Immutable after construction; safe to share between threads.
class ProfileSchedule {
 public:
  struct Entry {
    absl::Duration at;
    LinkProfile profile;
  };

  // A constant profile and no outages.
  explicit ProfileSchedule(LinkProfile base);

  // InvalidArgument naming "<source_name>:<line>" for malformed lines,
  // unknown keys, decreasing times or a resulting profile that fails
  // Validate().
  static absl::StatusOr<ProfileSchedule> Parse(absl::string_view text, const LinkProfile& base,
                                               absl::string_view source_name);
  static absl::StatusOr<ProfileSchedule> Load(const std::string& path, const LinkProfile& base);

  // Adds an outage; InvalidArgument if start < 0, end <= start, or it
  // overlaps a window already added.
  absl::Status AddOutage(const OutageWindow& window);

  // The profile in effect at `t` (the last entry with at <= t).
  const LinkProfile& At(absl::Duration t) const;
  // When the profile in effect at `t` next changes: the first entry after
  // `t`, or absl::InfiniteDuration() if none follows.
  absl::Duration NextChangeAfter(absl::Duration t) const;

  // If `t` falls inside stall-mode outages, the end of the (chain of
  // back-to-back) windows covering it; otherwise `t`.
  absl::Duration DeferPastStallOutages(absl::Duration t) const;
  // The reset-mode window containing `t`, or nullptr.
  const OutageWindow* ResetOutageAt(absl::Duration t) const;
  // The earliest start of a reset-mode window strictly after `t`, or
  // absl::InfiniteDuration().
  absl::Duration NextResetOutageStart(absl::Duration t) const;

  const std::vector<Entry>& entries() const { return entries_; }
  const std::vector<OutageWindow>& outages() const { return outages_; }

 private:
  absl::Status ParseLine(absl::string_view line, absl::string_view where);

  std::vector<Entry> entries_;         // sorted by at; entries_[0].at == 0
  std::vector<OutageWindow> outages_;  // sorted by start, disjoint
};

}  // namespace tandem::linkem

#endif  // TANDEM_BENCH_LINKEM_PROFILE_SCHEDULE_H_
