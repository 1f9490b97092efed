#include "common/base/file_util.h"

#include <cstdlib>

#include "catch2/catch.hpp"

namespace tandem::base {
namespace {

TEST_CASE("ReadFileToString: a missing file is NotFound naming the path", "[base]") {
  auto result = ReadFileToString("/nonexistent/tandem/file.json");
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == absl::StatusCode::kNotFound);
  CHECK_THAT(std::string(result.status().message()),
             Catch::Contains("/nonexistent/tandem/file.json"));
}

TEST_CASE("WriteStringToFile: round trips bytes including NULs", "[base]") {
  char dir_template[] = "/tmp/tandem_base_test_XXXXXX";
  const char* dir = mkdtemp(dir_template);
  REQUIRE(dir != nullptr);
  const std::string path = JoinPath(dir, "blob.bin");
  const std::string contents("a\0b\xff", 4);
  REQUIRE(WriteStringToFile(path, contents).ok());
  auto read = ReadFileToString(path);
  REQUIRE(read.ok());
  CHECK(*read == contents);
  CHECK(FileExists(path));
}

TEST_CASE("MakeDirectories: creates missing parents and accepts existing ones", "[base]") {
  char dir_template[] = "/tmp/tandem_base_test_XXXXXX";
  const char* dir = mkdtemp(dir_template);
  REQUIRE(dir != nullptr);
  const std::string nested = JoinPath(dir, "a/b/c");
  REQUIRE(MakeDirectories(nested).ok());
  CHECK(FileExists(nested));
  CHECK(MakeDirectories(nested).ok());
  const std::string under_file = JoinPath(dir, "file");
  REQUIRE(WriteStringToFile(under_file, "x").ok());
  CHECK_FALSE(MakeDirectories(JoinPath(under_file, "sub")).ok());
}

TEST_CASE("JoinPath: exactly one separator", "[base]") {
  CHECK(JoinPath("a", "b") == "a/b");
  CHECK(JoinPath("a/", "b") == "a/b");
  CHECK(JoinPath("", "b") == "b");
}

}  // namespace
}  // namespace tandem::base
