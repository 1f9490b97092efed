#include "bench/linkem/profile_schedule.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bench/linkem/presets.h"
#include "common/base/file_util.h"
#include "common/base/status_macros.h"

namespace tandem::linkem {
namespace {

// Whole or fractional milliseconds, >= 0.
absl::StatusOr<absl::Duration> ParseMilliseconds(absl::string_view what, absl::string_view text) {
  double ms = 0.0;
  if (!absl::SimpleAtod(text, &ms) || !std::isfinite(ms) || ms < 0.0) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " \"", text, "\" is not a non-negative number of milliseconds"));
  }
  return absl::Microseconds(std::llround(ms * 1000.0));
}

absl::StatusOr<OutageMode> ParseOutageMode(absl::string_view text) {
  if (text == "stall") return OutageMode::kStall;
  if (text == "reset") return OutageMode::kReset;
  return absl::InvalidArgumentError(absl::StrCat("outage mode \"", text, "\": use stall or reset"));
}

absl::Status WithWhere(absl::string_view where, const absl::Status& status) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(where, ": ", status.message()));
}

}  // namespace

absl::string_view OutageModeName(OutageMode mode) {
  return mode == OutageMode::kReset ? "reset" : "stall";
}

absl::StatusOr<std::vector<OutageWindow>> ParseOutageList(absl::string_view text) {
  std::vector<OutageWindow> windows;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    item = absl::StripAsciiWhitespace(item);
    std::vector<absl::string_view> mode_split = absl::StrSplit(item, absl::MaxSplits(':', 1));
    std::vector<absl::string_view> span = absl::StrSplit(mode_split[0], absl::MaxSplits('+', 1));
    const std::string where = absl::StrCat("outage \"", item, "\"");
    if (span.size() != 2) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": expected START_MS+DURATION_MS[:stall|:reset]"));
    }
    OutageWindow window;
    TANDEM_ASSIGN_OR_RETURN(window.start, ParseMilliseconds("start", span[0]));
    TANDEM_ASSIGN_OR_RETURN(absl::Duration length, ParseMilliseconds("duration", span[1]));
    window.end = window.start + length;
    if (mode_split.size() == 2) {
      auto mode = ParseOutageMode(mode_split[1]);
      if (!mode.ok()) return WithWhere(where, mode.status());
      window.mode = *mode;
    }
    windows.push_back(window);
  }
  return windows;
}

ProfileSchedule::ProfileSchedule(LinkProfile base) {
  entries_.push_back({absl::ZeroDuration(), std::move(base)});
}

absl::StatusOr<ProfileSchedule> ProfileSchedule::Parse(absl::string_view text,
                                                       const LinkProfile& base,
                                                       absl::string_view source_name) {
  ProfileSchedule schedule(base);
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = line.substr(0, line.find('#'));
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    const std::string where = absl::StrCat(source_name, ":", line_number);
    TANDEM_RETURN_IF_ERROR(WithWhere(where, schedule.ParseLine(line, where)));
  }
  return schedule;
}

absl::StatusOr<ProfileSchedule> ProfileSchedule::Load(const std::string& path,
                                                      const LinkProfile& base) {
  TANDEM_ASSIGN_OR_RETURN(std::string text, base::ReadFileToString(path));
  return Parse(text, base, path);
}

absl::Status ProfileSchedule::ParseLine(absl::string_view line, absl::string_view where) {
  std::vector<absl::string_view> tokens = absl::StrSplit(line, ' ', absl::SkipWhitespace());
  TANDEM_ASSIGN_OR_RETURN(absl::Duration at, ParseMilliseconds("time", tokens[0]));
  if (at < entries_.back().at || (!outages_.empty() && at < outages_.back().start)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "time ", tokens[0], " ms is earlier than a previous line's; times must not decrease"));
  }
  LinkProfile profile = entries_.back().profile;
  bool changes_profile = false;
  std::optional<OutageMode> outage_mode;
  std::optional<absl::Duration> outage_length;
  for (size_t i = 1; i < tokens.size(); ++i) {
    std::vector<absl::string_view> kv = absl::StrSplit(tokens[i], absl::MaxSplits('=', 1));
    if (kv.size() != 2 || kv[0].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", tokens[i], "\": expected key=value after the time"));
    }
    if (kv[0] == "outage") {
      TANDEM_ASSIGN_OR_RETURN(outage_mode, ParseOutageMode(kv[1]));
    } else if (kv[0] == "outage_ms") {
      TANDEM_ASSIGN_OR_RETURN(outage_length, ParseMilliseconds("outage_ms", kv[1]));
    } else if (kv[0] == "preset") {
      TANDEM_ASSIGN_OR_RETURN(profile, PresetProfile(kv[1]));
      changes_profile = true;
    } else {
      TANDEM_RETURN_IF_ERROR(ApplySetting(kv[0], kv[1], &profile));
      changes_profile = true;
    }
  }
  if (outage_mode.has_value() != outage_length.has_value()) {
    return absl::InvalidArgumentError("an outage needs both outage=stall|reset and outage_ms=N");
  }
  if (outage_mode.has_value()) {
    TANDEM_RETURN_IF_ERROR(AddOutage({at, at + *outage_length, *outage_mode}));
  }
  if (changes_profile) {
    TANDEM_RETURN_IF_ERROR(profile.Validate());
    entries_.push_back({at, std::move(profile)});
  }
  return absl::OkStatus();
}

absl::Status ProfileSchedule::AddOutage(const OutageWindow& window) {
  if (window.start < absl::ZeroDuration() || window.end <= window.start) {
    return absl::InvalidArgumentError(absl::StrCat("outage [", absl::FormatDuration(window.start),
                                                   ", ", absl::FormatDuration(window.end),
                                                   "): need 0 <= start < end"));
  }
  for (const OutageWindow& other : outages_) {
    if (window.start < other.end && other.start < window.end) {
      return absl::InvalidArgumentError(
          absl::StrCat("outage at ", absl::FormatDuration(window.start), " overlaps the one at ",
                       absl::FormatDuration(other.start), "; give disjoint windows"));
    }
  }
  outages_.push_back(window);
  std::sort(outages_.begin(), outages_.end(),
            [](const OutageWindow& a, const OutageWindow& b) { return a.start < b.start; });
  return absl::OkStatus();
}

const LinkProfile& ProfileSchedule::At(absl::Duration t) const {
  // Last entry with at <= t; entries_[0].at == 0 covers t < 0 too.
  auto it = std::upper_bound(entries_.begin(), entries_.end(), t,
                             [](absl::Duration time, const Entry& e) { return time < e.at; });
  return it == entries_.begin() ? entries_.front().profile : std::prev(it)->profile;
}

absl::Duration ProfileSchedule::NextChangeAfter(absl::Duration t) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), t,
                             [](absl::Duration time, const Entry& e) { return time < e.at; });
  return it == entries_.end() ? absl::InfiniteDuration() : it->at;
}

absl::Duration ProfileSchedule::DeferPastStallOutages(absl::Duration t) const {
  for (const OutageWindow& window : outages_) {  // sorted: chains resolve in one pass
    if (window.mode == OutageMode::kStall && window.start <= t && t < window.end) {
      t = window.end;
    }
  }
  return t;
}

const OutageWindow* ProfileSchedule::ResetOutageAt(absl::Duration t) const {
  for (const OutageWindow& window : outages_) {
    if (window.mode == OutageMode::kReset && window.start <= t && t < window.end) return &window;
  }
  return nullptr;
}

absl::Duration ProfileSchedule::NextResetOutageStart(absl::Duration t) const {
  for (const OutageWindow& window : outages_) {
    if (window.mode == OutageMode::kReset && window.start > t) return window.start;
  }
  return absl::InfiniteDuration();
}

}  // namespace tandem::linkem
