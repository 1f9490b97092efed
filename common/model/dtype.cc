#include "common/model/dtype.h"

#include <array>

#include "absl/strings/str_cat.h"

namespace tandem::model {
namespace {

struct DTypeInfo {
  DType dtype;
  const char* name;  // not std::string_view: this Abseil's StrCat lacks it
  size_t size;
};

// One row per enumerator, in enum order (checked by the static_assert below).
constexpr std::array<DTypeInfo, 12> kDTypes = {{
    {DType::kF64, "F64", 8},
    {DType::kF32, "F32", 4},
    {DType::kF16, "F16", 2},
    {DType::kBF16, "BF16", 2},
    {DType::kI64, "I64", 8},
    {DType::kI32, "I32", 4},
    {DType::kI16, "I16", 2},
    {DType::kI8, "I8", 1},
    {DType::kU8, "U8", 1},
    {DType::kBool, "BOOL", 1},
    {DType::kF8E4M3, "F8_E4M3", 1},
    {DType::kF8E5M2, "F8_E5M2", 1},
}};

constexpr bool RowsAreInEnumOrder() {
  for (size_t i = 0; i < kDTypes.size(); ++i) {
    if (static_cast<size_t>(kDTypes[i].dtype) != i) return false;
  }
  return true;
}
static_assert(RowsAreInEnumOrder(), "kDTypes must list DType in enum order");
static_assert(kDTypes.size() == static_cast<size_t>(DType::kF8E5M2) + 1,
              "kDTypes must have one row per DType");

const DTypeInfo& Info(DType dtype) { return kDTypes[static_cast<size_t>(dtype)]; }

}  // namespace

size_t DTypeSize(DType dtype) { return Info(dtype).size; }

std::string_view DTypeName(DType dtype) { return Info(dtype).name; }

absl::StatusOr<DType> ParseDType(std::string_view name) {
  for (const DTypeInfo& info : kDTypes) {
    if (info.name == name) return info.dtype;
  }
  std::string known;
  for (const DTypeInfo& info : kDTypes) {
    absl::StrAppend(&known, known.empty() ? "" : ", ", info.name);
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown dtype \"", std::string(name),
                                                 "\"; Tandem supports ", known,
                                                 " (safetensors spellings)"));
}

}  // namespace tandem::model
