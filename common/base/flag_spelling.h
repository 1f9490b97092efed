#ifndef TANDEM_COMMON_BASE_FLAG_SPELLING_H_
#define TANDEM_COMMON_BASE_FLAG_SPELLING_H_

#include <string>
#include <vector>

namespace tandem::base {

// Abseil flag names cannot contain '-', but Tandem's command lines follow
// llama.cpp (--max-tokens, --draft-max). Returns argv with '-' inside each
// "--flag-name" (up to any '=') turned into '_'; values and positional
// arguments are untouched, and so is everything after a bare "--".
std::vector<std::string> NormalizeFlagSpelling(int argc, char** argv);

// Keeps the strings alive and exposes them as a mutable argv for
// absl::ParseCommandLine.
class ArgvStorage {
 public:
  explicit ArgvStorage(std::vector<std::string> args);
  int argc() const { return static_cast<int>(pointers_.size()); }
  char** argv() { return pointers_.data(); }

 private:
  std::vector<std::string> args_;
  std::vector<char*> pointers_;
};

}  // namespace tandem::base

#endif  // TANDEM_COMMON_BASE_FLAG_SPELLING_H_
