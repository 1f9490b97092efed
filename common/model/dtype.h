#ifndef TANDEM_COMMON_MODEL_DTYPE_H_
#define TANDEM_COMMON_MODEL_DTYPE_H_

#include <cstddef>
#include <string_view>

#include "absl/status/statusor.h"

namespace tandem::model {

// Element types a safetensors file can hold that Tandem understands. The
// names (DTypeName) are the safetensors spellings, e.g. "BF16", "F8_E4M3".
enum class DType {
  kF64,
  kF32,
  kF16,
  kBF16,
  kI64,
  kI32,
  kI16,
  kI8,
  kU8,
  kBool,
  kF8E4M3,  // "F8_E4M3" (float8_e4m3fn)
  kF8E5M2,  // "F8_E5M2"
};

// Bytes per element: 8 for kF64/kI64, ..., 1 for kBool and the 8-bit types.
size_t DTypeSize(DType dtype);

// The safetensors spelling: "F64", "F32", "F16", "BF16", "I64", "I32",
// "I16", "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2".
std::string_view DTypeName(DType dtype);

// Inverse of DTypeName (exact, case-sensitive match). Anything else,
// including safetensors types Tandem does not support (e.g. "U16"), is
// InvalidArgument with a message that lists the known names.
absl::StatusOr<DType> ParseDType(std::string_view name);

}  // namespace tandem::model

#endif  // TANDEM_COMMON_MODEL_DTYPE_H_
