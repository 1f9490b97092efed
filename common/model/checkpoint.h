#ifndef TANDEM_COMMON_MODEL_CHECKPOINT_H_
#define TANDEM_COMMON_MODEL_CHECKPOINT_H_

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/model/safetensors.h"

namespace tandem::model {

// The weights of a Hugging Face model directory, as one name -> tensor map
// over one or more memory-mapped safetensors files.
//
// Immutable after OpenDirectory: all methods are const and thread-safe. The
// TensorViews it returns point into its mappings and stay valid for as long as
// the Checkpoint lives.
class Checkpoint {
 public:
  // File names looked for in the directory (transformers' names).
  static constexpr char kSingleFileName[] = "model.safetensors";
  static constexpr char kIndexFileName[] = "model.safetensors.index.json";

  // Opens `dir`/model.safetensors if present; otherwise
  // `dir`/model.safetensors.index.json, whose "weight_map" ({tensor: shard
  // file name relative to dir}) is the authority on which tensors exist:
  // each shard is opened once, and shard tensors the index does not list are
  // not visible. Errors:
  //   NotFound         neither file exists (the message lists both and says
  //                    that PyTorch .bin checkpoints must be converted), or a
  //                    shard file named by the index is missing (names the
  //                    shard and a tensor mapped to it).
  //   InvalidArgument  the index is not a JSON object with a "weight_map" of
  //                    strings, names a shard outside dir, or maps a tensor to
  //                    a shard that does not contain it (names both); or any
  //                    SafetensorsFile::Open error for a file.
  static absl::StatusOr<std::unique_ptr<Checkpoint>> OpenDirectory(const std::string& dir);

  Checkpoint(const Checkpoint&) = delete;
  Checkpoint& operator=(const Checkpoint&) = delete;

  bool Contains(std::string_view name) const;
  // NotFound naming the tensor and the directory if absent.
  absl::StatusOr<TensorView> Get(std::string_view name) const;
  // Tensor names, sorted.
  std::vector<std::string> names() const;
  size_t size() const { return tensors_.size(); }  // number of tensors
  // Sum of n_bytes over all visible tensors.
  size_t total_bytes() const { return total_bytes_; }
  const std::string& dir() const { return dir_; }

 private:
  explicit Checkpoint(std::string dir) : dir_(std::move(dir)) {}

  // Makes every tensor of `file` visible (the single-file layout).
  void AddAllTensors(const SafetensorsFile& file);
  // Opens the shards named by the index at `index_path`.
  absl::Status OpenShards(const std::string& index_path);

  const std::string dir_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  // Views into files_, validated at open.
  std::map<std::string, TensorView, std::less<>> tensors_;
  size_t total_bytes_ = 0;
};

}  // namespace tandem::model

#endif  // TANDEM_COMMON_MODEL_CHECKPOINT_H_
