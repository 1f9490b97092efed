#include "bench/linkem/loss_model.h"

namespace tandem::linkem {

bool GilbertElliott::NextSegmentLost(const DirectionProfile& profile, double u_loss,
                                     double u_transition) {
  const double p_loss = bad_ ? profile.burst_loss : profile.loss;
  const bool lost = u_loss < p_loss;
  if (bad_) {
    if (u_transition < profile.burst_r) bad_ = false;
  } else if (u_transition < profile.burst_p) {
    bad_ = true;
  }
  return lost;
}

}  // namespace tandem::linkem
