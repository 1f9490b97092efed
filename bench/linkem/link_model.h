#ifndef TANDEM_BENCH_LINKEM_LINK_MODEL_H_
#define TANDEM_BENCH_LINKEM_LINK_MODEL_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "bench/linkem/delivery_trace.h"
#include "bench/linkem/direction_shaper.h"
#include "bench/linkem/link_profile.h"
#include "bench/linkem/profile_schedule.h"

namespace tandem::linkem {

// Everything that defines the emulated link: the (time-varying) profile
// with its outages, and optional delivery traces that replace a direction's
// rate limit. Immutable once the relay starts; shared by all connections.
struct LinkModel {
  ProfileSchedule schedule{LinkProfile{}};
  std::optional<DeliveryTrace> uplink_trace;
  std::optional<DeliveryTrace> downlink_trace;

  const DeliveryTrace* TraceFor(Direction direction) const {
    const auto& trace = direction == Direction::kUplink ? uplink_trace : downlink_trace;
    return trace.has_value() ? &*trace : nullptr;
  }
};

// How to build a LinkModel; main() fills it from flags.
struct LinkModelSpec {
  std::string preset = "none";    // starting profile (presets.h)
  std::string settings;           // "key=value ..." applied after the preset
  std::string uplink_settings;    // the same keys, applied to the uplink only
  std::string downlink_settings;  // ... and to the downlink only
  std::string schedule_path;      // optional ProfileSchedule file, based on the above
  std::string outages;            // ParseOutageList format
  std::string uplink_trace_path;  // optional Mahimahi traces (replace rate_kbps)
  std::string downlink_trace_path;
};

// Resolves the spec: preset, then settings, then per-direction settings,
// then the schedule file on top, outages added, traces loaded. Errors name
// the flag-level input that was wrong (InvalidArgument, NotFound).
absl::StatusOr<LinkModel> BuildLinkModel(const LinkModelSpec& spec);

// A few lines describing the model, for the startup banner.
std::string DescribeLinkModel(const LinkModel& link);

}  // namespace tandem::linkem

#endif  // TANDEM_BENCH_LINKEM_LINK_MODEL_H_
