#include "common/model/checkpoint.h"

#include <nlohmann/json.hpp>

#include "absl/memory/memory.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/base/file_util.h"
#include "common/base/status_macros.h"

namespace tandem::model {
namespace {

using Json = nlohmann::json;

// Shard names in an index are relative to the model directory; refusing
// absolute paths and ".." keeps an index from reaching outside it.
bool IsInsideDirectory(const std::string& shard) {
  if (shard.empty() || shard.front() == '/') return false;
  for (absl::string_view part : absl::StrSplit(shard, '/')) {
    if (part == "..") return false;
  }
  return true;
}

absl::Status NoWeightsError(const std::string& dir) {
  std::string pytorch_hint;
  for (const char* name : {"pytorch_model.bin", "pytorch_model.bin.index.json"}) {
    if (base::FileExists(base::JoinPath(dir, name))) {
      pytorch_hint = absl::StrCat(" (found ", name, ")");
      break;
    }
  }
  return absl::NotFoundError(absl::StrCat(
      "no safetensors weights in ", dir, ": looked for ", Checkpoint::kSingleFileName, " and ",
      Checkpoint::kIndexFileName, ". PyTorch .bin pickles are not supported", pytorch_hint,
      "; convert with model.save_pretrained(dir, safe_serialization=True)"));
}

// The index's "weight_map" grouped by shard: {shard file: [tensor names]}.
absl::StatusOr<std::map<std::string, std::vector<std::string>>> ReadWeightMap(
    const std::string& index_path) {
  TANDEM_ASSIGN_OR_RETURN(const std::string text, base::ReadFileToString(index_path));
  const Json index = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (index.is_discarded() || !index.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(index_path,
                     ": not a JSON object; a safetensors index is "
                     "{\"metadata\": {...}, \"weight_map\": {tensor: shard file}}"));
  }
  const auto weight_map = index.find("weight_map");
  if (weight_map == index.end() || !weight_map->is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(index_path,
                     ": missing the \"weight_map\" object "
                     "{tensor: shard file}; re-export the checkpoint"));
  }
  std::map<std::string, std::vector<std::string>> by_shard;
  for (const auto& [name, shard] : weight_map->items()) {
    if (!shard.is_string() || !IsInsideDirectory(shard.get<std::string>())) {
      return absl::InvalidArgumentError(
          absl::StrCat(index_path, ": \"weight_map\" entry for tensor \"", name, "\" is ",
                       shard.dump(-1, ' ', false, Json::error_handler_t::replace),
                       "; expected a shard file name relative to the model directory"));
    }
    by_shard[shard.get<std::string>()].push_back(name);
  }
  return by_shard;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Checkpoint>> Checkpoint::OpenDirectory(const std::string& dir) {
  if (!base::FileExists(dir)) {
    return absl::NotFoundError(absl::StrCat("model directory ", dir,
                                            " does not exist; pass a directory holding ",
                                            kSingleFileName, " or ", kIndexFileName));
  }
  auto checkpoint = absl::WrapUnique(new Checkpoint(dir));
  const std::string single_path = base::JoinPath(dir, kSingleFileName);
  if (base::FileExists(single_path)) {
    TANDEM_ASSIGN_OR_RETURN(std::unique_ptr<SafetensorsFile> file,
                            SafetensorsFile::Open(single_path));
    checkpoint->AddAllTensors(*file);
    checkpoint->files_.push_back(std::move(file));
    return checkpoint;
  }
  const std::string index_path = base::JoinPath(dir, kIndexFileName);
  if (base::FileExists(index_path)) {
    TANDEM_RETURN_IF_ERROR(checkpoint->OpenShards(index_path));
    return checkpoint;
  }
  return NoWeightsError(dir);
}

void Checkpoint::AddAllTensors(const SafetensorsFile& file) {
  for (const std::string& name : file.names()) {
    // Cannot fail: Open validated every entry.
    TensorView view = *file.Get(name);
    total_bytes_ += view.n_bytes;
    tensors_.emplace(name, std::move(view));
  }
}

absl::Status Checkpoint::OpenShards(const std::string& index_path) {
  TANDEM_ASSIGN_OR_RETURN(const auto by_shard, ReadWeightMap(index_path));
  for (const auto& [shard, names] : by_shard) {
    const std::string shard_path = base::JoinPath(dir_, shard);
    if (!base::FileExists(shard_path)) {
      return absl::NotFoundError(
          absl::StrCat(index_path, " maps tensor \"", names.front(), "\"",
                       names.size() > 1 ? absl::StrCat(" (and ", names.size() - 1, " others)") : "",
                       " to shard \"", shard, "\", but ", shard_path,
                       " does not exist; download the missing shard"));
    }
    TANDEM_ASSIGN_OR_RETURN(std::unique_ptr<SafetensorsFile> file,
                            SafetensorsFile::Open(shard_path));
    for (const std::string& name : names) {
      absl::StatusOr<TensorView> view = file->Get(name);
      if (!view.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(index_path, " maps tensor \"", name, "\" to shard \"", shard, "\", but ",
                         shard_path, " has no tensor \"", name,
                         "\"; the index and the shards come from different checkpoints, "
                         "re-download them together"));
      }
      total_bytes_ += view->n_bytes;
      tensors_.emplace(name, *std::move(view));
    }
    files_.push_back(std::move(file));
  }
  return absl::OkStatus();
}

bool Checkpoint::Contains(std::string_view name) const {
  return tensors_.find(name) != tensors_.end();
}

absl::StatusOr<TensorView> Checkpoint::Get(std::string_view name) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) {
    return absl::NotFoundError(absl::StrCat("tensor \"", std::string(name),
                                            "\" not found in checkpoint ", dir_, " (",
                                            tensors_.size(), " tensors; names() lists them)"));
  }
  return it->second;
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> names;
  names.reserve(tensors_.size());
  for (const auto& [name, view] : tensors_) names.push_back(name);
  return names;
}

}  // namespace tandem::model
