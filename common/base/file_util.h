#ifndef TANDEM_COMMON_BASE_FILE_UTIL_H_
#define TANDEM_COMMON_BASE_FILE_UTIL_H_

#include <string>

#include "absl/status/statusor.h"

namespace tandem::base {

// Reads a whole file into memory. NotFound if it does not exist, Internal on
// read errors; the message names the path.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

// Writes `contents` to `path` atomically (write to a temp file, then rename).
absl::Status WriteStringToFile(const std::string& path, const std::string& contents);

bool FileExists(const std::string& path);

// mkdir -p: creates `path` and missing parents; OK if it already exists.
absl::Status MakeDirectories(const std::string& path);

// Joins two path components with exactly one '/'.
std::string JoinPath(const std::string& dir, const std::string& name);

}  // namespace tandem::base

#endif  // TANDEM_COMMON_BASE_FILE_UTIL_H_
