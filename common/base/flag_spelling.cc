#include "common/base/flag_spelling.h"

#include <algorithm>

namespace tandem::base {

std::vector<std::string> NormalizeFlagSpelling(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  for (size_t i = 1; i < args.size(); ++i) {
    std::string& arg = args[i];
    if (arg == "--") break;
    if (arg.size() < 3 || arg[0] != '-') continue;
    const size_t name_begin = arg[1] == '-' ? 2 : 1;
    const size_t name_end = arg.find('=');
    for (size_t c = name_begin; c < std::min(name_end, arg.size()); ++c) {
      if (arg[c] == '-') arg[c] = '_';
    }
  }
  return args;
}

ArgvStorage::ArgvStorage(std::vector<std::string> args) : args_(std::move(args)) {
  for (std::string& arg : args_) pointers_.push_back(arg.data());
}

}  // namespace tandem::base
