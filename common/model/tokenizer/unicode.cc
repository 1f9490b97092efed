#include "common/model/tokenizer/unicode.h"

#include <algorithm>
#include <cstddef>

#include "common/model/tokenizer/unicode_tables.h"
#include "common/model/tokenizer/utf8.h"

namespace tandem::model::tokenizer {
namespace {

// Hangul syllable arithmetic (Unicode 3.12, "Conjoining Jamo Behavior").
constexpr char32_t kSBase = 0xAC00;
constexpr char32_t kLBase = 0x1100;
constexpr char32_t kVBase = 0x1161;
constexpr char32_t kTBase = 0x11A7;
constexpr char32_t kLCount = 19;
constexpr char32_t kVCount = 21;
constexpr char32_t kTCount = 28;
constexpr char32_t kNCount = kVCount * kTCount;
constexpr char32_t kSCount = kLCount * kNCount;

// True if every byte of `text` is below `limit`.
bool AllBytesBelow(std::string_view text, unsigned char limit) {
  return std::all_of(text.begin(), text.end(),
                     [limit](char c) { return static_cast<unsigned char>(c) < limit; });
}

// Text made only of code points below U+0300 (UTF-8 lead bytes < 0xCC) is
// already in NFC: they all have combining class 0 and those that decompose
// (e.g. U+00C5) recompose to themselves. For NFD only ASCII is inert.
constexpr unsigned char kNfcInertBelow = 0xCC;
constexpr unsigned char kNfdInertBelow = 0x80;

const Decomposition* FindDecomposition(char32_t cp) {
  const Decomposition* end = kDecompositions + kNumDecompositions;
  const Decomposition* it =
      std::lower_bound(kDecompositions, end, cp,
                       [](const Decomposition& d, char32_t value) { return d.cp < value; });
  return it != end && it->cp == cp ? it : nullptr;
}

void DecomposeInto(char32_t cp, std::u32string* out) {
  if (cp >= kSBase && cp < kSBase + kSCount) {
    const char32_t s_index = cp - kSBase;
    out->push_back(kLBase + s_index / kNCount);
    out->push_back(kVBase + (s_index % kNCount) / kTCount);
    if (s_index % kTCount != 0) out->push_back(kTBase + s_index % kTCount);
    return;
  }
  const Decomposition* d = FindDecomposition(cp);
  if (d == nullptr) {
    out->push_back(cp);
    return;
  }
  DecomposeInto(d->first, out);
  if (d->second != 0) DecomposeInto(d->second, out);
}

// Stable-sorts each run of non-starters by combining class (canonical
// ordering algorithm, Unicode 3.11).
void CanonicalOrder(std::u32string* cps) {
  size_t i = 0;
  while (i < cps->size()) {
    if (CanonicalCombiningClass((*cps)[i]) == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < cps->size() && CanonicalCombiningClass((*cps)[j]) != 0) ++j;
    std::stable_sort(cps->begin() + i, cps->begin() + j, [](char32_t a, char32_t b) {
      return CanonicalCombiningClass(a) < CanonicalCombiningClass(b);
    });
    i = j;
  }
}

std::u32string DecomposeCanonical(std::string_view text) {
  std::u32string cps;
  cps.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) DecomposeInto(DecodeUtf8At(text, &pos), &cps);
  CanonicalOrder(&cps);
  return cps;
}

// The primary composite of (first, second), or 0 if there is none.
char32_t Compose(char32_t first, char32_t second) {
  if (first >= kLBase && first < kLBase + kLCount && second >= kVBase &&
      second < kVBase + kVCount) {
    return kSBase + ((first - kLBase) * kVCount + (second - kVBase)) * kTCount;
  }
  if (first >= kSBase && first < kSBase + kSCount && (first - kSBase) % kTCount == 0 &&
      second > kTBase && second < kTBase + kTCount) {
    return first + (second - kTBase);
  }
  const Composition* end = kCompositions + kNumCompositions;
  const Composition* it =
      std::lower_bound(kCompositions, end, std::make_pair(first, second),
                       [](const Composition& c, const std::pair<char32_t, char32_t>& key) {
                         return c.first != key.first ? c.first < key.first : c.second < key.second;
                       });
  if (it != end && it->first == first && it->second == second) {
    return it->composite;
  }
  return 0;
}

// Canonical composition algorithm (UAX #15, section 1.3): a character
// combines with the last starter unless a character in between blocks it
// (has class 0 or a class >= its own).
std::u32string ComposeCanonical(const std::u32string& cps) {
  std::u32string out;
  out.reserve(cps.size());
  size_t starter = std::u32string::npos;
  int last_ccc = 0;
  for (char32_t cp : cps) {
    const int ccc = CanonicalCombiningClass(cp);
    if (starter != std::u32string::npos) {
      const bool adjacent = out.size() - 1 == starter;
      const bool blocked = !adjacent && (last_ccc == 0 || last_ccc >= ccc);
      if (!blocked) {
        const char32_t composite = Compose(out[starter], cp);
        if (composite != 0) {
          out[starter] = composite;
          continue;
        }
      }
    }
    if (ccc == 0) starter = out.size();
    last_ccc = ccc;
    out.push_back(cp);
  }
  return out;
}

char32_t SimpleLowercase(char32_t cp) {
  const CaseMapping* end = kLowercase + kNumLowercase;
  const CaseMapping* it = std::lower_bound(
      kLowercase, end, cp, [](const CaseMapping& m, char32_t value) { return m.cp < value; });
  return it != end && it->cp == cp ? it->lower : cp;
}

}  // namespace

int CanonicalCombiningClass(char32_t cp) {
  if (cp < 0x300) return 0;
  const CccRange* end = kCccRanges + kNumCccRanges;
  const CccRange* it = std::upper_bound(
      kCccRanges, end, cp, [](char32_t value, const CccRange& r) { return value < r.first; });
  if (it == kCccRanges) return 0;
  --it;
  return cp <= it->last ? it->ccc : 0;
}

std::string Nfd(std::string_view text) {
  if (AllBytesBelow(text, kNfdInertBelow)) return std::string(text);
  return FromCodePoints(DecomposeCanonical(text));
}

std::string Nfc(std::string_view text) {
  if (AllBytesBelow(text, kNfcInertBelow)) return std::string(text);
  return FromCodePoints(ComposeCanonical(DecomposeCanonical(text)));
}

std::string Lowercase(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    const char32_t cp = DecodeUtf8At(text, &pos);
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
    } else if (cp == 0x130) {
      // The only unconditional multi-character lowercase mapping
      // (SpecialCasing.txt): LATIN CAPITAL LETTER I WITH DOT ABOVE.
      AppendUtf8(0x69, &out);
      AppendUtf8(0x307, &out);
    } else {
      AppendUtf8(SimpleLowercase(cp), &out);
    }
  }
  return out;
}

}  // namespace tandem::model::tokenizer
