#include "common/model/kv_cache.h"

#include "absl/strings/str_cat.h"
#include "common/model/kv_storage.h"

namespace tandem::model {

KvCache::KvCache(std::unique_ptr<KvStorage> storage) : storage_(std::move(storage)) {}

KvCache::~KvCache() = default;

int64_t KvCache::capacity() const { return storage_->capacity; }

absl::Status KvCache::Truncate(int64_t new_length) {
  if (new_length < 0 || new_length > length_) {
    return absl::InvalidArgumentError(absl::StrCat(
        "KvCache::Truncate(", new_length, "): the length must be within [0, ", length_, "]"));
  }
  length_ = new_length;
  return absl::OkStatus();
}

int64_t KvCache::reserved_bytes() const {
  return storage_->kv.numel() * static_cast<int64_t>(storage_->kv.element_size());
}

int64_t KvCache::used_bytes() const {
  if (storage_->capacity == 0) return 0;
  return reserved_bytes() / storage_->capacity * length_;
}

}  // namespace tandem::model
