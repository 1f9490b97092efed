#ifndef TANDEM_COMMON_MODEL_KV_CACHE_H_
#define TANDEM_COMMON_MODEL_KV_CACHE_H_

#include <cstdint>
#include <memory>

#include "absl/status/status.h"

namespace tandem::model {

struct KvStorage;  // torch tensors; defined in kv_storage.h (model-internal)

// The attention keys and values of one sequence, preallocated for
// `capacity()` tokens when created by LlamaModel::NewCache. Positions
// [0, length()) are valid. Forward appends; Truncate rolls back in O(1)
// (it only moves the length: later appends overwrite the stale slots).
//
// Not thread-safe: one sequence is driven by one thread at a time. Distinct
// caches of one model may be used concurrently.
class KvCache {
 public:
  explicit KvCache(std::unique_ptr<KvStorage> storage);
  ~KvCache();
  KvCache(const KvCache&) = delete;
  KvCache& operator=(const KvCache&) = delete;

  int64_t length() const { return length_; }
  int64_t capacity() const;

  // Drops positions [new_length, length()). InvalidArgument if new_length is
  // negative or beyond length().
  absl::Status Truncate(int64_t new_length);

  // Bytes held by the preallocated tensors, and the part in use.
  int64_t reserved_bytes() const;
  int64_t used_bytes() const;

  // For LlamaModel: the tensors, and the length after an append.
  KvStorage& storage() { return *storage_; }
  void set_length(int64_t length) { length_ = length; }

 private:
  std::unique_ptr<KvStorage> storage_;
  int64_t length_ = 0;
};

}  // namespace tandem::model

#endif  // TANDEM_COMMON_MODEL_KV_CACHE_H_
