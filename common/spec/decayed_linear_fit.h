#ifndef TANDEM_COMMON_SPEC_DECAYED_LINEAR_FIT_H_
#define TANDEM_COMMON_SPEC_DECAYED_LINEAR_FIT_H_

namespace tandem::spec {

// Weighted least squares y = a + b x over exponentially decayed sums: each
// new sample has weight 1 and every older one is multiplied by `decay`, so
// the fit follows a drifting relation (the cloud's verify time per chunk
// size, a chunk's bytes per token count). The slope is fitted only once the
// x observed spread by at least `min_x_variance` (weighted variance); before
// that every sample counts toward the mean (slope 0), since two noisy
// samples at nearby x would otherwise set it. The slope is never negative.
//
// With a slope prior b0 (SetSlopePrior) the fit is a ridge regression
// toward it instead: slope = (S_xy + lambda b0) / (S_xx + lambda), with S the
// weighted centred sums and lambda = prior_x_variance * (sum of weights), so
// the samples' own slope wins once their x spread well beyond
// prior_x_variance, and samples all at one x set only the level.
class DecayedLinearFit {
 public:
  DecayedLinearFit(double decay, double min_x_variance)
      : decay_(decay), min_x_variance_(min_x_variance) {}

  void Add(double x, double y);
  // A slope known from elsewhere (the cloud's measured cost per token),
  // held with the weight of samples whose x vary by `prior_x_variance`.
  void SetSlopePrior(double slope, double prior_x_variance);

  bool empty() const { return sw_ == 0; }
  double intercept() const { return intercept_; }
  double slope() const { return slope_; }
  double operator()(double x) const { return intercept_ + slope_ * x; }

 private:
  double decay_;
  double min_x_variance_;
  double prior_slope_ = 0, prior_x_variance_ = 0;  // prior_x_variance_ 0: none
  double sw_ = 0, sx_ = 0, sy_ = 0, sxx_ = 0, sxy_ = 0;
  double intercept_ = 0, slope_ = 0;

  void Refit();
};

}  // namespace tandem::spec

#endif  // TANDEM_COMMON_SPEC_DECAYED_LINEAR_FIT_H_
