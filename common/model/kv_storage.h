#ifndef TANDEM_COMMON_MODEL_KV_STORAGE_H_
#define TANDEM_COMMON_MODEL_KV_STORAGE_H_

// Model-internal: includes torch. Only common/model .cc files include this.

#include <ATen/ATen.h>

namespace tandem::model {

struct KvStorage {
  // Keys and values of every layer:
  // [n_layers, 2 (k, v), n_kv_heads, capacity, head_dim], compute dtype.
  at::Tensor kv;
  int64_t capacity = 0;
};

}  // namespace tandem::model

#endif  // TANDEM_COMMON_MODEL_KV_STORAGE_H_
