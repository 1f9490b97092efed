#include "bench/linkem/link_model.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "bench/linkem/presets.h"
#include "common/base/status_macros.h"

namespace tandem::linkem {
namespace {

// "rate_kbps=5000,loss=1%" -> "up.rate_kbps=5000 up.loss=1%".
absl::Status ApplyDirectionSettings(absl::string_view settings, absl::string_view prefix,
                                    LinkProfile* profile) {
  for (absl::string_view item :
       absl::StrSplit(settings, absl::ByAnyChar(", \t"), absl::SkipEmpty())) {
    TANDEM_RETURN_IF_ERROR(ApplySettings(absl::StrCat(prefix, item), profile));
  }
  return absl::OkStatus();
}

absl::Status WithContext(absl::string_view context, const absl::Status& status) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(context, ": ", status.message()));
}

absl::StatusOr<LinkProfile> BaseProfile(const LinkModelSpec& spec) {
  TANDEM_ASSIGN_OR_RETURN(LinkProfile profile, PresetProfile(spec.preset));
  TANDEM_RETURN_IF_ERROR(ApplySettings(spec.settings, &profile));
  TANDEM_RETURN_IF_ERROR(
      WithContext("--uplink", ApplyDirectionSettings(spec.uplink_settings, "up.", &profile)));
  TANDEM_RETURN_IF_ERROR(
      WithContext("--downlink", ApplyDirectionSettings(spec.downlink_settings, "down.", &profile)));
  TANDEM_RETURN_IF_ERROR(profile.Validate());
  return profile;
}

}  // namespace

absl::StatusOr<LinkModel> BuildLinkModel(const LinkModelSpec& spec) {
  TANDEM_ASSIGN_OR_RETURN(LinkProfile base, BaseProfile(spec));
  LinkModel link;
  if (spec.schedule_path.empty()) {
    link.schedule = ProfileSchedule(base);
  } else {
    TANDEM_ASSIGN_OR_RETURN(link.schedule, ProfileSchedule::Load(spec.schedule_path, base));
  }
  auto outages = ParseOutageList(spec.outages);
  if (!outages.ok()) return WithContext("--outage", outages.status());
  for (const OutageWindow& window : *outages) {
    TANDEM_RETURN_IF_ERROR(WithContext("--outage", link.schedule.AddOutage(window)));
  }
  if (!spec.uplink_trace_path.empty()) {
    TANDEM_ASSIGN_OR_RETURN(link.uplink_trace, DeliveryTrace::Load(spec.uplink_trace_path));
  }
  if (!spec.downlink_trace_path.empty()) {
    TANDEM_ASSIGN_OR_RETURN(link.downlink_trace, DeliveryTrace::Load(spec.downlink_trace_path));
  }
  return link;
}

std::string DescribeLinkModel(const LinkModel& link) {
  const std::vector<ProfileSchedule::Entry>& entries = link.schedule.entries();
  const LinkProfile& initial = link.schedule.At(absl::ZeroDuration());
  std::string text = initial.ToString();
  const int64_t mss = initial.mss_bytes;
  for (Direction d : {Direction::kUplink, Direction::kDownlink}) {
    if (const DeliveryTrace* trace = link.TraceFor(d)) {
      absl::StrAppendFormat(&text,
                            "%s rate from a delivery trace: %d packets per %d ms, mean %.0f "
                            "kbit/s at %d bytes per packet\n",
                            DirectionName(d), trace->opportunities_per_period(),
                            absl::ToInt64Milliseconds(trace->period()), trace->MeanRateKbps(mss),
                            mss);
    }
  }
  if (entries.size() > 1) {
    absl::StrAppend(&text, "schedule: ", entries.size() - 1,
                    " profile changes (the above is "
                    "in effect at the start), the last at ",
                    absl::FormatDuration(entries.back().at), "\n");
  }
  for (const OutageWindow& window : link.schedule.outages()) {
    absl::StrAppend(&text, "outage (", OutageModeName(window.mode), ") from ",
                    absl::FormatDuration(window.start), " to ", absl::FormatDuration(window.end),
                    "\n");
  }
  return text;
}

}  // namespace tandem::linkem
