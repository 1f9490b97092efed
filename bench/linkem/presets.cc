#include "bench/linkem/presets.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace tandem::linkem {
namespace {

DirectionProfile Direction(double delay_ms, double jitter_ms, double rate_mbps, int64_t queue_kib,
                           double loss) {
  DirectionProfile d;
  d.delay = absl::Microseconds(static_cast<int64_t>(delay_ms * 1000));
  d.jitter = absl::Microseconds(static_cast<int64_t>(jitter_ms * 1000));
  d.rate_kbps = rate_mbps * 1000.0;
  d.queue_bytes = queue_kib * 1024;
  d.loss = loss;
  return d;
}

DirectionProfile WithBursts(DirectionProfile d, double p, double r, double bad_loss) {
  d.burst_p = p;
  d.burst_r = r;
  d.burst_loss = bad_loss;
  return d;
}

LinkProfile Link(DirectionProfile up, DirectionProfile down) {
  LinkProfile link;
  link.uplink = up;
  link.downlink = down;
  return link;
}

std::vector<Preset> MakePresets() {
  // Queues are sized in milliseconds at the rate: 30-100 ms on wired paths,
  // 170-350 ms on cellular and satellite (their deep buffers), e.g.
  // wan 256 KiB / 20 Mbit/s = 262144 * 8 / 20e6 s = 105 ms.
  std::vector<Preset> presets;
  presets.push_back({"none", "identity: no delay, no rate limit, no loss", LinkProfile{}});
  presets.push_back(
      {"lan", "switched gigabit Ethernet: 0.5 ms RTT, 1 Gbit/s",
       Link(Direction(0.25, 0.05, 1000, 4096, 0), Direction(0.25, 0.05, 1000, 4096, 0))});
  presets.push_back({"metro", "metro fiber to an edge site: 10 ms RTT, 100 Mbit/s, 0.01% loss",
                     Link(Direction(5, 1, 100, 1024, 1e-4), Direction(5, 1, 100, 1024, 1e-4))});
  presets.push_back({"wan", "continental WAN: 60 ms RTT, 20 Mbit/s, 0.5% random loss",
                     Link(Direction(30, 2, 20, 256, 0.005), Direction(30, 2, 20, 256, 0.005))});
  // LTE: p = 0.2%, r = 25% -> pi_bad = 0.002 / 0.252 = 0.79%; half of the bad
  // state's segments lost plus 0.1% random -> ~0.5% mean loss, bursts of ~4.
  presets.push_back({"cellular",
                     "LTE: 100 ms RTT, 15 ms jitter, 8 Mbit/s up / 25 down, bursty ~0.5% loss",
                     Link(WithBursts(Direction(50, 15, 8, 256, 0.001), 0.002, 0.25, 0.5),
                          WithBursts(Direction(50, 15, 25, 512, 0.001), 0.002, 0.25, 0.5))});
  presets.push_back({"satellite", "GEO satellite: 600 ms RTT, 3 Mbit/s up / 25 down, 1% loss",
                     Link(Direction(300, 10, 3, 128, 0.01), Direction(300, 10, 25, 1024, 0.01))});
  // LEO: p = 0.1%, r = 30% -> pi_bad = 0.33%; 0.2% random + 0.33% -> ~0.53%.
  presets.push_back(
      {"leo", "LEO constellation: 40 ms RTT, 5 ms jitter, 12 Mbit/s up / 100 down, ~0.5% loss",
       Link(WithBursts(Direction(20, 5, 12, 256, 0.002), 0.001, 0.3, 1.0),
            WithBursts(Direction(20, 5, 100, 1024, 0.002), 0.001, 0.3, 1.0))});
  return presets;
}

}  // namespace

const std::vector<Preset>& Presets() {
  static const std::vector<Preset>* presets = new std::vector<Preset>(MakePresets());
  return *presets;
}

absl::StatusOr<LinkProfile> PresetProfile(absl::string_view name) {
  std::vector<std::string> names;
  for (const Preset& preset : Presets()) {
    if (preset.name == name) return preset.profile;
    names.push_back(preset.name);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown preset \"", name, "\": use one of ", absl::StrJoin(names, ", ")));
}

}  // namespace tandem::linkem
