#ifndef TANDEM_BENCH_LINKEM_PRESETS_H_
#define TANDEM_BENCH_LINKEM_PRESETS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "bench/linkem/link_profile.h"

namespace tandem::linkem {

// Named link profiles. The numbers are round values in the middle of the
// ranges commonly quoted for each kind of link (docs/linkem.md has the table
// and the reasoning); they are starting points, not measurements.
//   none      identity (no impairment)
//   lan       switched gigabit Ethernet: 0.5 ms RTT
//   metro     metro fiber to a nearby edge data center: 10 ms RTT, 100 Mbit/s
//   wan       continental path: 60 ms RTT, 20 Mbit/s, 0.5% random loss
//   cellular  LTE: 100 ms RTT, 15 ms jitter, 8 Mbit/s up / 25 down, bursty loss
//   satellite GEO: 600 ms RTT, 3 Mbit/s up / 25 down, 1% loss
//   leo       low-earth-orbit constellation: 40 ms RTT, 12 up / 100 down
struct Preset {
  std::string name;
  std::string description;
  LinkProfile profile;
};

const std::vector<Preset>& Presets();

// The profile of preset `name`; InvalidArgument listing the names otherwise.
absl::StatusOr<LinkProfile> PresetProfile(absl::string_view name);

}  // namespace tandem::linkem

#endif  // TANDEM_BENCH_LINKEM_PRESETS_H_
