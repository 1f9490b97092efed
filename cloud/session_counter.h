#ifndef TANDEM_CLOUD_SESSION_COUNTER_H_
#define TANDEM_CLOUD_SESSION_COUNTER_H_

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace tandem::cloud {

// Counts open sessions against a limit, and lets a caller (a test, or the
// shutdown path) wait until at most n remain. Thread-safe.
class SessionCounter {
 public:
  explicit SessionCounter(int64_t limit) : limit_(limit) {}

  // Takes a slot; false when `limit` sessions are open.
  bool TryAcquire();
  void Release();
  int64_t active() const;
  // True once at most `n` sessions are open; false if `timeout` passes first.
  bool AwaitAtMost(int64_t n, absl::Duration timeout) const;

 private:
  const int64_t limit_;
  mutable absl::Mutex mu_;
  int64_t active_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace tandem::cloud

#endif  // TANDEM_CLOUD_SESSION_COUNTER_H_
