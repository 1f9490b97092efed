#ifndef TANDEM_COMMON_MODEL_SAFETENSORS_H_
#define TANDEM_COMMON_MODEL_SAFETENSORS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/model/dtype.h"

namespace tandem::model {

// One tensor's bytes inside a SafetensorsFile (or a Checkpoint). `data`
// points into the file's read-only mapping and is valid for as long as the
// file object lives. The bytes are row-major, little-endian, n_bytes =
// numel() * DTypeSize(dtype). `data` is 8-byte aligned when the writer padded
// the header to a multiple of 8 (WriteSafetensors and Hugging Face do), but a
// valid file need not be: copy out rather than reinterpret if in doubt.
struct TensorView {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;     // [] for a scalar
  const uint8_t* data = nullptr;  // [n_bytes]; may be null when n_bytes == 0
  size_t n_bytes = 0;

  // Product of `shape` (1 for a scalar, 0 if any dim is 0).
  int64_t numel() const;
};

// A safetensors file (https://github.com/huggingface/safetensors): an 8-byte
// little-endian header length N, N bytes of JSON header
// {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__":
// {string: string}}, then the data section the offsets index.
//
// Open() maps the whole file read-only (MAP_PRIVATE, PROT_READ) and validates
// the header completely, with the reference implementation's rules: known
// dtypes, non-negative integer dims, in-bounds offsets whose span equals
// numel * dtype size, and tensors that tile the data section exactly (no
// overlaps, no unindexed bytes). After a successful Open every Get()
// succeeds for every name in names() and returns in-bounds bytes.
//
// The file must not be truncated or rewritten in place while open: pages of
// the mapping that no longer exist fault with SIGBUS. (Replacing it by rename,
// as WriteSafetensors does, is safe: the mapping keeps the old inode.)
//
// Immutable after Open: all methods are const and safe to call from any
// number of threads. Not copyable or movable (it owns the mapping); share it
// through the unique_ptr that Open returns.
class SafetensorsFile {
 public:
  // Errors, each naming `path` (and the tensor where one is at fault):
  //   NotFound          the file does not exist.
  //   PermissionDenied  it cannot be opened for reading.
  //   InvalidArgument   it is not a valid safetensors file (too short,
  //                     header length out of range, header not a UTF-8 JSON
  //                     object, bad entry, unknown dtype, truncated data,
  //                     size mismatch, overlapping tensors, unindexed bytes).
  //   Internal          fstat/mmap failed.
  static absl::StatusOr<std::unique_ptr<SafetensorsFile>> Open(const std::string& path);

  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  // Tensor names, sorted.
  std::vector<std::string> names() const;
  size_t size() const { return tensors_.size(); }  // number of tensors
  bool Contains(std::string_view name) const;
  // NotFound naming the tensor and the file if absent.
  absl::StatusOr<TensorView> Get(std::string_view name) const;
  // The header's "__metadata__" (empty if it had none).
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const std::string& path() const { return path_; }
  // Bytes of the data section (the sum of all tensors' n_bytes).
  size_t data_bytes() const { return data_size_; }

 private:
  // One header entry; offsets are relative to the data section.
  struct Entry {
    DType dtype;
    std::vector<int64_t> shape;
    uint64_t begin;
    uint64_t end;
  };

  SafetensorsFile(std::string path, void* mapping, size_t mapping_size);

  // Parses and validates the header of the mapped file, filling tensors_,
  // metadata_, data_ and data_size_.
  absl::Status ParseHeader();

  const std::string path_;
  void* const mapping_;  // [mapping_size_] bytes, the whole file
  const size_t mapping_size_;
  const uint8_t* data_ = nullptr;  // [data_size_], the data section
  size_t data_size_ = 0;
  std::map<std::string, Entry, std::less<>> tensors_;
  std::map<std::string, std::string> metadata_;
};

// A tensor for WriteSafetensors; `bytes` is borrowed for the call only.
struct TensorToWrite {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  std::string_view bytes;  // [numel * DTypeSize(dtype)], row-major, LE
};

// Writes a valid safetensors file at `path`: the header JSON padded with
// spaces so the data section starts at a multiple of 8, then the tensors'
// bytes contiguous in the order given. "__metadata__" is written only when
// `metadata` is non-empty. The file is written to `path` + ".tmp" and renamed
// into place, so readers never see a partial file.
// InvalidArgument (naming the tensor) if a name repeats or is "__metadata__",
// a dim is negative, numel * dtype size overflows, bytes.size() differs from
// it, or a name or metadata string is not valid UTF-8; PermissionDenied or
// Internal on I/O failure.
absl::Status WriteSafetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                              const std::map<std::string, std::string>& metadata = {});

}  // namespace tandem::model

#endif  // TANDEM_COMMON_MODEL_SAFETENSORS_H_
