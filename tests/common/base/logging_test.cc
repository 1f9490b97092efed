#include "common/base/logging.h"

#include <unistd.h>

#include <cstdio>

#include "catch2/catch.hpp"
#include "common/base/file_util.h"
#include "tests/testing/test_dirs.h"

namespace tandem::base {
namespace {

// Runs `body` with stderr redirected to a file and returns what it wrote.
template <typename Body>
std::string CaptureStderr(Body body) {
  const std::string path = JoinPath(testing::MakeTempDir(), "stderr.txt");
  std::fflush(stderr);
  const int saved = ::dup(2);
  FILE* file = std::fopen(path.c_str(), "w");
  ::dup2(::fileno(file), 2);
  body();
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  std::fclose(file);
  return ReadFileToString(path).value_or("");
}

TEST_CASE("ABSL_LOG: one line with severity, file, line and the message", "[base][log]") {
  const std::string out = CaptureStderr([] { ABSL_LOG(WARNING) << "hello " << 42; });
  CHECK(out.rfind("W", 0) == 0);
  CHECK_THAT(out, Catch::Contains("logging_test.cc:") && Catch::Contains("] hello 42\n"));
}

TEST_CASE("ABSL_VLOG: prints only at or below the configured level", "[base][log]") {
  SetVlogLevel(1);
  const std::string out = CaptureStderr([] {
    ABSL_VLOG(1) << "shown";
    ABSL_VLOG(2) << "hidden";
  });
  SetVlogLevel(0);
  CHECK_THAT(out, Catch::Contains("shown"));
  CHECK_THAT(out, !Catch::Contains("hidden"));
}

TEST_CASE("ABSL_CHECK: a passing check has no side effects beyond its condition", "[base][log]") {
  int evaluations = 0;
  const std::string out = CaptureStderr([&] {
    ABSL_CHECK(++evaluations == 1) << "never printed";
    ABSL_CHECK_GT(evaluations, 0);
  });
  CHECK(evaluations == 1);
  CHECK(out.empty());
}

}  // namespace
}  // namespace tandem::base
