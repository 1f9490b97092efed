#include "common/base/logging.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace tandem::base {
namespace {
std::atomic<int> vlog_level{0};
}  // namespace

void SetVlogLevel(int level) { vlog_level.store(level); }

#if !__has_include("absl/log/log.h")
namespace log_internal {

int VlogLevel() { return vlog_level.load(std::memory_order_relaxed); }

LogMessage::LogMessage(const char* file, int line, Severity severity)
    : file_(file), line_(line), severity_(severity) {}

LogMessage::~LogMessage() {
  static constexpr char kLetters[] = {'I', 'W', 'E', 'F'};
  const char* base_name = std::strrchr(file_, '/');
  base_name = base_name ? base_name + 1 : file_;
  const std::string stamp = absl::FormatTime("%m%d %H:%M:%E6S", absl::Now(), absl::LocalTimeZone());
  std::string text = stream_.str();
  // One fprintf per message so concurrent lines do not interleave.
  std::fprintf(stderr, "%c%s %s:%d] %s\n", kLetters[static_cast<int>(severity_)], stamp.c_str(),
               base_name, line_, text.c_str());
  if (severity_ == Severity::kFatal) {
    std::fflush(stderr);
    std::abort();
  }
}

}  // namespace log_internal
#endif

}  // namespace tandem::base
