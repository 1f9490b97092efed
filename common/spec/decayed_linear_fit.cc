#include "common/spec/decayed_linear_fit.h"

#include <algorithm>

namespace tandem::spec {

void DecayedLinearFit::Add(double x, double y) {
  sw_ = decay_ * sw_ + 1;
  sx_ = decay_ * sx_ + x;
  sy_ = decay_ * sy_ + y;
  sxx_ = decay_ * sxx_ + x * x;
  sxy_ = decay_ * sxy_ + x * y;
  // sw^2 times the weighted variance of x.
  const double variance = sw_ * sxx_ - sx_ * sx_;
  slope_ = 0;
  if (variance >= min_x_variance_ * sw_ * sw_ && variance > 0) {
    slope_ = std::max(0.0, (sw_ * sxy_ - sx_ * sy_) / variance);
  }
  intercept_ = std::max(0.0, (sy_ - slope_ * sx_) / sw_);
}

}  // namespace tandem::spec
