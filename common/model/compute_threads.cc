#include "common/model/compute_threads.h"

#include <ATen/Parallel.h>

namespace tandem::model {

void SetComputeThreads(int n) {
  if (n > 0) at::set_num_threads(n);
}

int ComputeThreads() { return at::get_num_threads(); }

}  // namespace tandem::model
