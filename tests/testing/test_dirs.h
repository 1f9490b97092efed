#ifndef TANDEM_TESTS_TESTING_TEST_DIRS_H_
#define TANDEM_TESTS_TESTING_TEST_DIRS_H_

#include <cstdlib>
#include <string>

#include "common/base/file_util.h"

namespace tandem::testing {

// tests/data in the source tree.
inline std::string TestDataDir() { return TANDEM_TEST_DATA_DIR; }

// ../shared/realdata beside the checkout; absent in a user's clone, so
// tests that need it check SharedDataAvailable() and skip with a WARN.
inline std::string SharedRealDataDir() { return base::JoinPath(TANDEM_SHARED_DIR, "realdata"); }
inline bool SharedDataAvailable() { return base::FileExists(SharedRealDataDir()); }

// A fresh, unique directory under /tmp for one test.
inline std::string MakeTempDir() {
  std::string pattern = "/tmp/tandem_test_XXXXXX";
  const char* dir = ::mkdtemp(pattern.data());
  return dir == nullptr ? std::string() : std::string(dir);
}

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_TESTING_TEST_DIRS_H_
