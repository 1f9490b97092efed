#include "cloud/session_counter.h"

namespace tandem::cloud {

bool SessionCounter::TryAcquire() {
  absl::MutexLock lock(&mu_);
  if (active_ >= limit_) return false;
  ++active_;
  return true;
}

void SessionCounter::Release() {
  absl::MutexLock lock(&mu_);
  --active_;
}

int64_t SessionCounter::active() const {
  absl::MutexLock lock(&mu_);
  return active_;
}

bool SessionCounter::AwaitAtMost(int64_t n, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto at_most = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return active_ <= n; };
  return mu_.AwaitWithTimeout(absl::Condition(&at_most), timeout);
}

}  // namespace tandem::cloud
