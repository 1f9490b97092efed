#ifndef TANDEM_COMMON_MODEL_COMPUTE_THREADS_H_
#define TANDEM_COMMON_MODEL_COMPUTE_THREADS_H_

namespace tandem::model {

// Sets how many CPU threads libtorch uses inside one operation (intra-op) for
// the whole process. Call once at start-up, before the first forward pass.
// n <= 0 keeps libtorch's default (one per core).
void SetComputeThreads(int n);
int ComputeThreads();

}  // namespace tandem::model

#endif  // TANDEM_COMMON_MODEL_COMPUTE_THREADS_H_
