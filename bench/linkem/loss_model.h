#ifndef TANDEM_BENCH_LINKEM_LOSS_MODEL_H_
#define TANDEM_BENCH_LINKEM_LOSS_MODEL_H_

#include "bench/linkem/link_profile.h"

namespace tandem::linkem {

// Gilbert-Elliott two-state loss chain, stepped once per segment. In the
// good state a segment is lost with probability `loss`, in the bad state
// with `burst_loss`; after each segment the chain moves good -> bad with
// probability `burst_p` and bad -> good with `burst_r`. With burst_p = 0 it
// is Bernoulli (random) loss. Parameters come from the profile on each call,
// so a schedule may change them while the state carries over.
//
// Pure: the caller passes the two uniforms in [0, 1) it drew, so tests can
// drive it with hand-picked values. Not thread-safe (one per direction).
class GilbertElliott {
 public:
  // Decides the fate of one segment with uniforms `u_loss` (lost iff
  // u_loss < the current state's loss probability) and `u_transition`
  // (the state changes iff u_transition < burst_p or burst_r).
  bool NextSegmentLost(const DirectionProfile& profile, double u_loss, double u_transition);

  bool in_bad_state() const { return bad_; }

 private:
  bool bad_ = false;
};

}  // namespace tandem::linkem

#endif  // TANDEM_BENCH_LINKEM_LOSS_MODEL_H_
