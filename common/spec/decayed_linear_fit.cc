#include "common/spec/decayed_linear_fit.h"

#include <algorithm>

namespace tandem::spec {

void DecayedLinearFit::Add(double x, double y) {
  sw_ = decay_ * sw_ + 1;
  sx_ = decay_ * sx_ + x;
  sy_ = decay_ * sy_ + y;
  sxx_ = decay_ * sxx_ + x * x;
  sxy_ = decay_ * sxy_ + x * y;
  Refit();
}

void DecayedLinearFit::SetSlopePrior(double slope, double prior_x_variance) {
  prior_slope_ = std::max(0.0, slope);
  prior_x_variance_ = std::max(0.0, prior_x_variance);
  Refit();
}

void DecayedLinearFit::Refit() {
  if (prior_x_variance_ > 0) {
    slope_ = prior_slope_;
    if (sw_ > 0) {
      // Centred sums: S_xx = sxx - sx^2 / sw, S_xy = sxy - sx sy / sw.
      const double centred_xx = std::max(0.0, sxx_ - sx_ * sx_ / sw_);
      const double centred_xy = sxy_ - sx_ * sy_ / sw_;
      const double lambda = prior_x_variance_ * sw_;
      slope_ = std::max(0.0, (centred_xy + lambda * prior_slope_) / (centred_xx + lambda));
    }
  } else {
    // sw^2 times the weighted variance of x.
    const double variance = sw_ * sxx_ - sx_ * sx_;
    slope_ = 0;
    if (variance >= min_x_variance_ * sw_ * sw_ && variance > 0) {
      slope_ = std::max(0.0, (sw_ * sxy_ - sx_ * sy_) / variance);
    }
  }
  intercept_ = sw_ > 0 ? std::max(0.0, (sy_ - slope_ * sx_) / sw_) : 0.0;
}

}  // namespace tandem::spec
