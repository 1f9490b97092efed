#include "common/model/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/memory/memory.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/base/status_macros.h"

namespace tandem::model {
namespace {

using Json = nlohmann::json;

// The 8-byte little-endian header length that starts every file.
constexpr size_t kLengthPrefixBytes = 8;
// Largest header accepted, as in the reference implementation
// (safetensors' MAX_HEADER_SIZE): a larger length means the file is not a
// safetensors file, and refusing it bounds the JSON parse.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
constexpr char kMetadataKey[] = "__metadata__";

template <typename... Args>
absl::Status InvalidFile(const std::string& path, const Args&... args) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", args...));
}

std::string Quoted(std::string_view name) {
  std::string quoted = "\"";
  quoted.append(name);
  quoted += '"';
  return quoted;
}

// Debian 12's Abseil (20220623) was built with its own absl::string_view,
// which StrCat takes but std::string_view does not convert to.
std::string Name(DType dtype) { return std::string(DTypeName(dtype)); }

std::string ShapeString(const std::vector<int64_t>& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}

// A JSON value for an error message, cut short so a corrupt header cannot
// flood the log.
std::string Excerpt(const Json& value) {
  constexpr size_t kMaxChars = 120;
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (text.size() > kMaxChars) {
    text = absl::StrCat(text.substr(0, kMaxChars), "...");
  }
  return text;
}

std::string Range(uint64_t begin, uint64_t end) { return absl::StrCat("[", begin, ",", end, ")"); }

// Bytes of a tensor of `shape` and `dtype`, or false if that overflows
// uint64. Any zero dim makes the tensor empty whatever the other dims are.
bool CheckedNumBytes(const std::vector<int64_t>& shape, DType dtype, uint64_t* n_bytes) {
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) {
    *n_bytes = 0;
    return true;
  }
  uint64_t product = DTypeSize(dtype);
  for (int64_t dim : shape) {
    if (__builtin_mul_overflow(product, static_cast<uint64_t>(dim), &product)) {
      return false;
    }
  }
  *n_bytes = product;
  return true;
}

// nlohmann stores every non-negative JSON integer as number_unsigned, a
// negative one as number_integer and anything with a fraction or exponent (or
// beyond uint64) as number_float.
bool AsNonNegativeInt(const Json& value, uint64_t* out) {
  if (!value.is_number_unsigned()) return false;
  *out = value.get<uint64_t>();
  return true;
}

uint64_t ReadLittleEndian64(const uint8_t* bytes) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | bytes[i];
  return value;
}

void AppendLittleEndian64(uint64_t value, std::string* out) {
  for (int i = 0; i < 8; ++i) {
    out->push_back(static_cast<char>(value >> (8 * i)));
  }
}

// Parses the header text into a JSON object, rejecting repeated top-level
// keys (which a plain parse would silently collapse to the last one).
absl::StatusOr<Json> ParseHeaderJson(const std::string& path, std::string_view text) {
  std::set<std::string> seen;
  std::string duplicate;
  auto on_event = [&](int depth, Json::parse_event_t event, Json& parsed) {
    if (depth == 1 && event == Json::parse_event_t::key &&
        !seen.insert(parsed.get<std::string>()).second && duplicate.empty()) {
      duplicate = parsed.get<std::string>();
    }
    return true;
  };
  Json header;
  try {
    header = Json::parse(text.begin(), text.end(), on_event);
  } catch (const Json::exception& e) {
    return InvalidFile(path, "header is not valid UTF-8 JSON (", e.what(),
                       "); the file is corrupt or not a safetensors file");
  }
  if (!header.is_object()) {
    return InvalidFile(path, "header is a JSON ", header.type_name(),
                       ", expected an object mapping tensor names to "
                       "{\"dtype\", \"shape\", \"data_offsets\"}");
  }
  if (!duplicate.empty()) {
    return InvalidFile(path, "header lists tensor ", Quoted(duplicate),
                       " more than once; the file is corrupt");
  }
  return header;
}

absl::Status ParseMetadata(const std::string& path, const Json& value,
                           std::map<std::string, std::string>* metadata) {
  // The reference reads "__metadata__" as Option<HashMap>: null is "none".
  if (value.is_null()) return absl::OkStatus();
  if (!value.is_object()) {
    return InvalidFile(path, "\"__metadata__\" is a JSON ", value.type_name(),
                       ", expected an object of string values");
  }
  for (const auto& [key, item] : value.items()) {
    if (!item.is_string()) {
      return InvalidFile(path, "\"__metadata__\" key ", Quoted(key), " has a ", item.type_name(),
                         " value; safetensors metadata values must be "
                         "strings");
    }
    (*metadata)[key] = item.get<std::string>();
  }
  return absl::OkStatus();
}

struct ParsedEntry {
  DType dtype;
  std::vector<int64_t> shape;
  uint64_t begin;
  uint64_t end;
};

// Checks one header entry's form: dtype, shape and data_offsets present and
// well typed. Bounds against the data section are checked by the caller.
absl::StatusOr<ParsedEntry> ParseEntryForm(const std::string& path, const std::string& name,
                                           const Json& value) {
  const std::string what = absl::StrCat("tensor ", Quoted(name), ": ");
  for (const char* key : {"dtype", "shape", "data_offsets"}) {
    if (!value.is_object() || !value.contains(key)) {
      return InvalidFile(path, what,
                         "entry must be an object with \"dtype\", \"shape\" "
                         "and \"data_offsets\"; got ",
                         Excerpt(value));
    }
  }
  ParsedEntry entry;
  const Json& dtype = value.at("dtype");
  if (!dtype.is_string()) {
    return InvalidFile(path, what, "\"dtype\" must be a string, got ", Excerpt(dtype));
  }
  absl::StatusOr<DType> parsed_dtype = ParseDType(dtype.get<std::string>());
  if (!parsed_dtype.ok()) {
    return InvalidFile(path, what, parsed_dtype.status().message());
  }
  entry.dtype = *parsed_dtype;

  const Json& shape = value.at("shape");
  if (!shape.is_array()) {
    return InvalidFile(path, what, "\"shape\" must be an array, got ", Excerpt(shape));
  }
  for (size_t i = 0; i < shape.size(); ++i) {
    uint64_t dim = 0;
    if (!AsNonNegativeInt(shape[i], &dim) || dim > static_cast<uint64_t>(INT64_MAX)) {
      return InvalidFile(path, what, "shape[", i, "] is ", Excerpt(shape[i]),
                         "; dims must be non-negative integers");
    }
    entry.shape.push_back(static_cast<int64_t>(dim));
  }

  const Json& offsets = value.at("data_offsets");
  if (!offsets.is_array() || offsets.size() != 2 || !AsNonNegativeInt(offsets[0], &entry.begin) ||
      !AsNonNegativeInt(offsets[1], &entry.end) || entry.begin > entry.end) {
    return InvalidFile(path, what,
                       "\"data_offsets\" must be two non-negative integers "
                       "[begin, end] with begin <= end, got ",
                       Excerpt(offsets));
  }
  return entry;
}

// Checks that the entry's bytes lie inside the data section and match its
// shape and dtype.
absl::Status CheckEntryBytes(const std::string& path, const std::string& name,
                             const ParsedEntry& entry, uint64_t data_size) {
  if (entry.end > data_size) {
    return InvalidFile(path, "file is truncated or corrupt: tensor ", Quoted(name), " needs bytes ",
                       Range(entry.begin, entry.end), " but the data section has ", data_size,
                       " bytes; re-download or re-export the file");
  }
  uint64_t expected = 0;
  if (!CheckedNumBytes(entry.shape, entry.dtype, &expected)) {
    return InvalidFile(path, "tensor ", Quoted(name), ": shape ", ShapeString(entry.shape), " of ",
                       Name(entry.dtype),
                       " overflows 64-bit byte arithmetic; the header is "
                       "corrupt");
  }
  if (entry.end - entry.begin != expected) {
    return InvalidFile(path, "tensor ", Quoted(name), ": data_offsets ",
                       Range(entry.begin, entry.end), " hold ", entry.end - entry.begin,
                       " bytes but shape ", ShapeString(entry.shape), " of ", Name(entry.dtype),
                       " needs ", expected, " bytes; the header is corrupt");
  }
  return absl::OkStatus();
}

struct Span {
  uint64_t begin;
  uint64_t end;
  const std::string* name;
};

// The reference implementation requires the tensors, sorted by offsets, to
// tile [0, data_size) exactly: each begins where the previous one ended.
// Anything else is an overlap (a tensor begins before the cursor) or bytes
// that belong to no tensor (it begins after the cursor, or the last one ends
// before data_size).
absl::Status CheckCoverage(const std::string& path, std::vector<Span> spans, uint64_t data_size) {
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
    return std::tie(a.begin, a.end, *a.name) < std::tie(b.begin, b.end, *b.name);
  });
  uint64_t cursor = 0;
  const Span* previous = nullptr;
  for (const Span& span : spans) {
    if (span.begin < cursor) {
      return InvalidFile(path, "tensors ", Quoted(*previous->name), " ",
                         Range(previous->begin, previous->end), " and ", Quoted(*span.name), " ",
                         Range(span.begin, span.end), " overlap; the header is corrupt");
    }
    if (span.begin > cursor) {
      return InvalidFile(path, "data section bytes ", Range(cursor, span.begin),
                         previous == nullptr
                             ? absl::StrCat(" before the first tensor ", Quoted(*span.name))
                             : absl::StrCat(" between tensors ", Quoted(*previous->name), " and ",
                                            Quoted(*span.name)),
                         " belong to no tensor; safetensors requires the tensors to cover "
                         "the data section exactly");
    }
    cursor = span.end;
    previous = &span;
  }
  if (cursor != data_size) {
    if (previous == nullptr) {
      return InvalidFile(path, "the header lists no tensors but the data section has ", data_size,
                         " bytes; the file is corrupt");
    }
    return InvalidFile(path, "data section bytes ", Range(cursor, data_size),
                       " after the last tensor ", Quoted(*previous->name),
                       " belong to no tensor; safetensors requires the "
                       "tensors to cover the data section exactly");
  }
  return absl::OkStatus();
}

// The bytes before the data section: the 8-byte LE header length and the
// header JSON for `tensors` laid out contiguously in order, space-padded to a
// multiple of 8. Validates the tensors as WriteSafetensors documents.
absl::StatusOr<std::string> EncodeHeader(const std::string& path,
                                         const std::vector<TensorToWrite>& tensors,
                                         const std::map<std::string, std::string>& metadata) {
  Json header = Json::object();
  if (!metadata.empty()) header[kMetadataKey] = metadata;
  uint64_t offset = 0;
  for (const TensorToWrite& tensor : tensors) {
    const std::string what = absl::StrCat("cannot write ", path, ": tensor ", Quoted(tensor.name));
    if (tensor.name == kMetadataKey || header.contains(tensor.name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, tensor.name == kMetadataKey ? " uses the reserved name" : " appears more than once",
          "; tensor names must be unique and not \"__metadata__\""));
    }
    for (int64_t dim : tensor.shape) {
      if (dim < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, ": shape ", ShapeString(tensor.shape), " has a negative dim"));
      }
    }
    uint64_t n_bytes = 0;
    if (!CheckedNumBytes(tensor.shape, tensor.dtype, &n_bytes)) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": shape ", ShapeString(tensor.shape),
                                                     " of ", Name(tensor.dtype),
                                                     " overflows 64-bit byte counts"));
    }
    if (n_bytes != tensor.bytes.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": has ", tensor.bytes.size(), " bytes but shape ",
                       ShapeString(tensor.shape), " of ", Name(tensor.dtype), " needs ", n_bytes,
                       " bytes (numel * ", DTypeSize(tensor.dtype), ")"));
    }
    header[tensor.name] = {{"dtype", Name(tensor.dtype)},
                           {"shape", tensor.shape},
                           {"data_offsets", Json::array({offset, offset + n_bytes})}};
    offset += n_bytes;
  }

  try {
    std::string text = header.dump();
    // Pad with spaces (valid JSON whitespace) so the data section, which
    // starts at 8 + header length, is 8-byte aligned.
    text.append((8 - text.size() % 8) % 8, ' ');
    std::string prefix;
    AppendLittleEndian64(text.size(), &prefix);
    return prefix + text;
  } catch (const Json::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot write ", path,
                     ": a tensor name or metadata string is not valid UTF-8 (", e.what(), ")"));
  }
}

absl::Status OpenError(const std::string& path, int error) {
  const std::string message =
      absl::StrCat("cannot open safetensors file ", path, ": ", std::strerror(error));
  if (error == ENOENT) return absl::NotFoundError(message);
  if (error == EACCES || error == EPERM) {
    return absl::PermissionDeniedError(message);
  }
  return absl::InternalError(message);
}

}  // namespace

int64_t TensorView::numel() const {
  int64_t product = 1;
  for (int64_t dim : shape) product *= dim;
  return product;
}

SafetensorsFile::SafetensorsFile(std::string path, void* mapping, size_t mapping_size)
    : path_(std::move(path)), mapping_(mapping), mapping_size_(mapping_size) {}

SafetensorsFile::~SafetensorsFile() { ::munmap(mapping_, mapping_size_); }

absl::StatusOr<std::unique_ptr<SafetensorsFile>> SafetensorsFile::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return OpenError(path, errno);
  absl::Cleanup close_fd = [fd] { ::close(fd); };

  struct stat st;
  if (::fstat(fd, &st) != 0) {
    return absl::InternalError(absl::StrCat("cannot stat ", path, ": ", std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    return InvalidFile(path, "not a regular file; pass the path of a .safetensors file");
  }
  const size_t file_size = static_cast<size_t>(st.st_size);
  if (file_size < kLengthPrefixBytes) {
    return InvalidFile(path, "not a safetensors file: it has ", file_size,
                       " bytes, fewer than the 8-byte header length; "
                       "re-download or re-export it");
  }
  void* mapping = ::mmap(nullptr, file_size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (mapping == MAP_FAILED) {
    return absl::InternalError(
        absl::StrCat("cannot mmap ", path, " (", file_size, " bytes): ", std::strerror(errno)));
  }
  // The mapping outlives the descriptor; close_fd runs on return.
  auto file = absl::WrapUnique(new SafetensorsFile(path, mapping, file_size));
  TANDEM_RETURN_IF_ERROR(file->ParseHeader());
  return file;
}

absl::Status SafetensorsFile::ParseHeader() {
  const auto* bytes = static_cast<const uint8_t*>(mapping_);
  const uint64_t header_size = ReadLittleEndian64(bytes);
  if (header_size > kMaxHeaderBytes) {
    return InvalidFile(path_, "header length ", header_size, " exceeds the ", kMaxHeaderBytes,
                       "-byte limit; this is not a safetensors file (or its "
                       "first 8 bytes are corrupt)");
  }
  if (header_size > mapping_size_ - kLengthPrefixBytes) {
    return InvalidFile(path_, "header length ", header_size, " exceeds the ",
                       mapping_size_ - kLengthPrefixBytes,
                       " bytes that follow it; the file is truncated or not "
                       "a safetensors file");
  }
  data_ = bytes + kLengthPrefixBytes + header_size;
  data_size_ = mapping_size_ - kLengthPrefixBytes - header_size;

  TANDEM_ASSIGN_OR_RETURN(
      const Json header,
      ParseHeaderJson(path_,
                      std::string_view(reinterpret_cast<const char*>(bytes + kLengthPrefixBytes),
                                       header_size)));
  std::vector<Span> spans;
  for (const auto& [name, value] : header.items()) {
    if (name == kMetadataKey) {
      TANDEM_RETURN_IF_ERROR(ParseMetadata(path_, value, &metadata_));
      continue;
    }
    TANDEM_ASSIGN_OR_RETURN(ParsedEntry entry, ParseEntryForm(path_, name, value));
    TANDEM_RETURN_IF_ERROR(CheckEntryBytes(path_, name, entry, data_size_));
    auto [it, inserted] =
        tensors_.emplace(name, Entry{entry.dtype, std::move(entry.shape), entry.begin, entry.end});
    spans.push_back(Span{it->second.begin, it->second.end, &it->first});
  }
  return CheckCoverage(path_, std::move(spans), data_size_);
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> names;
  names.reserve(tensors_.size());
  for (const auto& [name, entry] : tensors_) names.push_back(name);
  return names;
}

bool SafetensorsFile::Contains(std::string_view name) const {
  return tensors_.find(name) != tensors_.end();
}

absl::StatusOr<TensorView> SafetensorsFile::Get(std::string_view name) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) {
    return absl::NotFoundError(absl::StrCat("tensor ", Quoted(name), " not found in ", path_, " (",
                                            tensors_.size(), " tensors; names() lists them)"));
  }
  const Entry& entry = it->second;
  TensorView view;
  view.name = it->first;
  view.dtype = entry.dtype;
  view.shape = entry.shape;
  view.data = data_ + entry.begin;
  view.n_bytes = static_cast<size_t>(entry.end - entry.begin);
  return view;
}

absl::Status WriteSafetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                              const std::map<std::string, std::string>& metadata) {
  TANDEM_ASSIGN_OR_RETURN(const std::string prefix, EncodeHeader(path, tensors, metadata));
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      return absl::PermissionDeniedError(
          absl::StrCat("cannot write ", tmp, ": ", std::strerror(errno)));
    }
    out.write(prefix.data(), static_cast<std::streamsize>(prefix.size()));
    for (const TensorToWrite& tensor : tensors) {
      out.write(tensor.bytes.data(), static_cast<std::streamsize>(tensor.bytes.size()));
    }
    out.close();
    if (!out) {
      std::remove(tmp.c_str());
      return absl::InternalError(absl::StrCat("error writing ", tmp));
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    std::remove(tmp.c_str());
    return absl::InternalError(
        absl::StrCat("cannot rename ", tmp, " to ", path, ": ", std::strerror(error)));
  }
  return absl::OkStatus();
}

}  // namespace tandem::model
