#include "common/model/tokenizer/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cctype>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/model/tokenizer/utf8.h"

namespace tandem::model::tokenizer {
namespace {

constexpr char kWordClassBody[] = "\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}";

std::string PcreErrorMessage(int code) {
  PCRE2_UCHAR buffer[256];
  if (pcre2_get_error_message(code, buffer, sizeof(buffer)) < 0) {
    return absl::StrCat("PCRE2 error ", code);
  }
  return std::string(reinterpret_cast<const char*>(buffer));
}

// Frees match data on scope exit.
struct MatchDataDeleter {
  void operator()(pcre2_match_data* data) const { pcre2_match_data_free(data); }
};
using MatchData = std::unique_ptr<pcre2_match_data, MatchDataDeleter>;

// Runs one match attempt; falls back from JIT to the interpreter when the
// JIT stack is too small for this subject (the interpreter uses the heap).
int RunMatch(pcre2_code* code, bool jit, std::string_view text, size_t start, uint32_t options,
             pcre2_match_data* data) {
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  options |= PCRE2_NO_UTF_CHECK;  // callers pass valid UTF-8
  int rc = pcre2_match(code, subject, text.size(), start, options, data, nullptr);
  if (jit && rc == PCRE2_ERROR_JIT_STACKLIMIT) {
    rc = pcre2_match(code, subject, text.size(), start, options | PCRE2_NO_JIT, data, nullptr);
  }
  return rc;
}

}  // namespace

std::string TranslateOnigurumaPattern(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size() + 16);
  bool in_class = false;
  bool class_start = false;  // just after '[' or '[^': ']' is literal there
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      const char e = pattern[++i];
      class_start = false;
      if (e == 's') {
        out += "\\p{White_Space}";
      } else if (e == 'S') {
        out += "\\P{White_Space}";
      } else if (e == 'w') {
        out += in_class ? std::string(kWordClassBody) : absl::StrCat("[", kWordClassBody, "]");
      } else if (e == 'W' && !in_class) {
        out += absl::StrCat("[^", kWordClassBody, "]");
      } else if (e == 'u' && i + 4 < pattern.size() &&
                 std::isxdigit(static_cast<unsigned char>(pattern[i + 1])) &&
                 std::isxdigit(static_cast<unsigned char>(pattern[i + 2])) &&
                 std::isxdigit(static_cast<unsigned char>(pattern[i + 3])) &&
                 std::isxdigit(static_cast<unsigned char>(pattern[i + 4]))) {
        out += "\\x{" + std::string(pattern.substr(i + 1, 4)) + "}";
        i += 4;
      } else {
        out.push_back('\\');
        out.push_back(e);
      }
      continue;
    }
    out.push_back(c);
    if (!in_class && c == '[') {
      in_class = true;
      class_start = true;
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') {
        out.push_back('^');
        ++i;
      }
    } else if (in_class && c == ']' && !class_start) {
      in_class = false;
    } else {
      class_start = false;
    }
  }
  return out;
}

absl::StatusOr<std::unique_ptr<Regex>> Regex::Compile(std::string_view pattern) {
  const std::string translated = TranslateOnigurumaPattern(pattern);
  int error = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated.data()), translated.size(),
                    PCRE2_UTF | PCRE2_UCP, &error, &error_offset, nullptr);
  if (code == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "regex \"", std::string(pattern), "\" does not compile: ", PcreErrorMessage(error),
        " at offset ", error_offset, " of the translated pattern \"", translated, "\""));
  }
  const bool jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
  return std::unique_ptr<Regex>(new Regex(std::string(pattern), code, jit));
}

Regex::Regex(std::string pattern, pcre2_real_code_8* code, bool jit)
    : pattern_(std::move(pattern)), code_(code), jit_(jit) {}

Regex::~Regex() { pcre2_code_free(code_); }

absl::StatusOr<std::vector<ByteRange>> Regex::FindAll(std::string_view text) const {
  std::vector<ByteRange> matches;
  MatchData data(pcre2_match_data_create_from_pattern(code_, nullptr));
  if (data == nullptr) return absl::ResourceExhaustedError("pcre2 match data");
  size_t start = 0;
  bool has_last_end = false;
  size_t last_end = 0;
  while (start <= text.size()) {
    const int rc = RunMatch(code_, jit_, text, start, 0, data.get());
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      return absl::InternalError(absl::StrCat("regex \"", pattern_, "\" failed on a ", text.size(),
                                              "-byte input: ", PcreErrorMessage(rc)));
    }
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data.get());
    const size_t match_start = ovector[0];
    const size_t match_end = ovector[1];
    if (match_start == match_end && has_last_end && last_end == match_end) {
      // Oniguruma-style: never accept an empty match where the last match
      // ended; retry one character further on.
      if (start >= text.size()) break;
      start += Utf8SequenceLength(static_cast<unsigned char>(text[start]));
      continue;
    }
    matches.emplace_back(match_start, match_end);
    has_last_end = true;
    last_end = match_end;
    start = match_end;
  }
  return matches;
}

bool Regex::MatchesAt(std::string_view text, size_t pos) const {
  MatchData data(pcre2_match_data_create_from_pattern(code_, nullptr));
  if (data == nullptr) return false;
  return RunMatch(code_, jit_, text, pos, PCRE2_ANCHORED, data.get()) >= 0;
}

}  // namespace tandem::model::tokenizer
