#ifndef TANDEM_COMMON_BASE_LOGGING_H_
#define TANDEM_COMMON_BASE_LOGGING_H_

// Logging for Tandem: ABSL_LOG, ABSL_VLOG, ABSL_LOG_IF, ABSL_CHECK and the
// ABSL_CHECK_EQ family. (Plain LOG/CHECK clash with libtorch's c10 macros.)
//
// Abseil gained absl/log in 20230125; Debian 12 ships 20220623, which lacks
// it. Where the real headers exist they are used; otherwise this file
// provides the same macros with a small implementation: one line per message
// to stderr, "I1121 09:12:03.123456 file.cc:42] text"; FATAL and failed
// CHECKs abort after logging.

#if __has_include("absl/log/log.h")
#include "absl/log/check.h"
#include "absl/log/log.h"
#else

#include <sstream>

namespace tandem::base::log_internal {

enum class Severity { kInfo, kWarning, kError, kFatal };

// Collects one message; the destructor writes it (and aborts if fatal).
class LogMessage {
 public:
  LogMessage(const char* file, int line, Severity severity);
  ~LogMessage();
  LogMessage(const LogMessage&) = delete;
  LogMessage& operator=(const LogMessage&) = delete;
  std::ostream& stream() { return stream_; }

 private:
  const char* file_;
  int line_;
  Severity severity_;
  std::ostringstream stream_;
};

// Lets `cond ? (void)0 : Voidify() & stream << ...` type-check.
struct Voidify {
  void operator&(std::ostream&) {}
};

// ABSL_VLOG(n) logs when n <= this level (SetVlogLevel, from a main's flag).
int VlogLevel();

}  // namespace tandem::base::log_internal

#define TANDEM_LOG_INTERNAL_(sev)                                                       \
  ::tandem::base::log_internal::LogMessage(__FILE__, __LINE__,                          \
                                           ::tandem::base::log_internal::Severity::sev) \
      .stream()
#define TANDEM_LOG_SEVERITY_INFO_ TANDEM_LOG_INTERNAL_(kInfo)
#define TANDEM_LOG_SEVERITY_WARNING_ TANDEM_LOG_INTERNAL_(kWarning)
#define TANDEM_LOG_SEVERITY_ERROR_ TANDEM_LOG_INTERNAL_(kError)
#define TANDEM_LOG_SEVERITY_FATAL_ TANDEM_LOG_INTERNAL_(kFatal)

#define ABSL_LOG(severity) TANDEM_LOG_SEVERITY_##severity##_
#define ABSL_LOG_IF(severity, condition) \
  !(condition) ? (void)0 : ::tandem::base::log_internal::Voidify() & ABSL_LOG(severity)
#define ABSL_VLOG(level) ABSL_LOG_IF(INFO, (level) <= ::tandem::base::log_internal::VlogLevel())

#define ABSL_CHECK(condition)                                             \
  (condition) ? (void)0                                                   \
              : ::tandem::base::log_internal::Voidify() & ABSL_LOG(FATAL) \
                                                              << "Check failed: " #condition " "
#define TANDEM_CHECK_OP_(a, op, b)                       \
  ((a)op(b)) ? (void)0                                   \
             : ::tandem::base::log_internal::Voidify() & \
                   ABSL_LOG(FATAL)                       \
                       << "Check failed: " #a " " #op " " #b " (" << (a) << " vs. " << (b) << ") "
#define ABSL_CHECK_EQ(a, b) TANDEM_CHECK_OP_(a, ==, b)
#define ABSL_CHECK_NE(a, b) TANDEM_CHECK_OP_(a, !=, b)
#define ABSL_CHECK_LT(a, b) TANDEM_CHECK_OP_(a, <, b)
#define ABSL_CHECK_LE(a, b) TANDEM_CHECK_OP_(a, <=, b)
#define ABSL_CHECK_GT(a, b) TANDEM_CHECK_OP_(a, >, b)
#define ABSL_CHECK_GE(a, b) TANDEM_CHECK_OP_(a, >=, b)

#endif  // __has_include("absl/log/log.h")

namespace tandem::base {
// Sets the level below which ABSL_VLOG messages print (default 0). With the
// real absl/log this forwards nothing: use --v there.
void SetVlogLevel(int level);
}  // namespace tandem::base

#endif  // TANDEM_COMMON_BASE_LOGGING_H_
