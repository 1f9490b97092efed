#ifndef TANDEM_CLOUD_WORKER_POOL_H_
#define TANDEM_CLOUD_WORKER_POOL_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace tandem::cloud {

// Fixed threads that run model work (prefill, verification), so that gRPC
// reactions never block. Tasks run in submission order per thread pick-up;
// per-session ordering is the caller's job (one drain task per session).
//
// Shutdown order: Stop() finishes the queued tasks, then joins; the
// destructor calls Stop().
class WorkerPool {
 public:
  explicit WorkerPool(int n_threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Never blocks. Tasks submitted after Stop() are dropped.
  void Submit(std::function<void()> task);
  void Stop();

 private:
  void Run();

  absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace tandem::cloud

#endif  // TANDEM_CLOUD_WORKER_POOL_H_
