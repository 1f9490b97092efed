#include "common/base/flag_spelling.h"

#include "catch2/catch.hpp"

namespace tandem::base {
namespace {

TEST_CASE("NormalizeFlagSpelling: dashes in flag names become underscores", "[base]") {
  std::vector<std::string> in = {"tandem-edge", "generate",    "--max-tokens=8",
                                 "--prompt",    "a-b --c-d",   "-top-k=3",
                                 "--",          "--not-a-flag"};
  std::vector<char*> argv;
  for (auto& s : in) argv.push_back(s.data());
  const std::vector<std::string> out =
      NormalizeFlagSpelling(static_cast<int>(argv.size()), argv.data());
  CHECK(out == std::vector<std::string>{"tandem-edge", "generate", "--max_tokens=8", "--prompt",
                                        "a-b --c-d", "-top_k=3", "--", "--not-a-flag"});
}

TEST_CASE("NormalizeFlagSpelling: values after '=' keep their dashes", "[base]") {
  std::string a = "x", b = "--model-dir=/a-b/c-d";
  std::vector<char*> argv = {a.data(), b.data()};
  CHECK(NormalizeFlagSpelling(2, argv.data())[1] == "--model_dir=/a-b/c-d");
}

}  // namespace
}  // namespace tandem::base
