#ifndef TANDEM_COMMON_MODEL_EMULATED_FORWARD_COST_H_
#define TANDEM_COMMON_MODEL_EMULATED_FORWARD_COST_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace tandem::model {

// A benchmark knob, off by default: makes a model forward last at least as
// long as a larger model's would, so the bundled tiny models can stand for,
// say, a 70B-class target on a data-centre GPU and a 1B-class draft on a
// phone. A forward over n tokens is padded (by sleeping after the real
// compute) to
//   cost(n) = fixed + per_token * n
// which is the shape of a memory-bound decoder step: every forward streams
// the weights once (fixed), and each extra token adds a little compute.
// The real compute is never shortened: a forward that already took longer
// than cost(n) is not padded. Everything downstream (the cloud's verify_us,
// the edge's draft times, the adaptive controller) sees the padded times.
struct EmulatedForwardCost {
  absl::Duration fixed;
  absl::Duration per_token;

  bool enabled() const { return fixed > absl::ZeroDuration() || per_token > absl::ZeroDuration(); }
  absl::Duration For(int64_t tokens) const { return fixed + per_token * tokens; }
  // How much longer a forward over `tokens` that took `elapsed` must last.
  absl::Duration PaddingAfter(absl::Duration elapsed, int64_t tokens) const;
  // Sleeps for PaddingAfter(now - started, tokens).
  void PadForward(absl::Time started, int64_t tokens) const;

  // "FIXED" or "FIXED+PER_TOKEN/token" with absl durations, e.g. "10ms" or
  // "100ms+0.5ms/token"; "" and "0" mean off. InvalidArgument naming the
  // flag's expected form otherwise.
  static absl::StatusOr<EmulatedForwardCost> Parse(absl::string_view text);
  std::string ToString() const;  // in Parse's form
};

}  // namespace tandem::model

#endif  // TANDEM_COMMON_MODEL_EMULATED_FORWARD_COST_H_
