#ifndef TANDEM_BENCH_LINKEM_LINK_CLOCK_H_
#define TANDEM_BENCH_LINKEM_LINK_CLOCK_H_

#include <chrono>

#include "absl/time/time.h"

namespace tandem::linkem {

// Time since the emulation started, from the steady clock: schedules,
// traces and outage windows are all measured from this epoch. Copyable and
// thread-safe (immutable).
class LinkClock {
 public:
  LinkClock() : epoch_(std::chrono::steady_clock::now()) {}
  absl::Duration Elapsed() const {
    return absl::FromChrono(std::chrono::steady_clock::now() - epoch_);
  }

 private:
  std::chrono::steady_clock::time_point epoch_;
};

}  // namespace tandem::linkem

#endif  // TANDEM_BENCH_LINKEM_LINK_CLOCK_H_
