#ifndef TANDEM_COMMON_SPEC_COUNTER_RNG_H_
#define TANDEM_COMMON_SPEC_COUNTER_RNG_H_

#include <array>
#include <cstdint>

namespace tandem::spec {

// Why a random number is drawn. Each purpose has its own stream, so e.g. the
// uniform of the accept test at a position is independent of the one that
// sampled the draft token there.
enum class RngPurpose : uint32_t {
  kDraftSample = 1,     // edge: sample the draft token x ~ q
  kAcceptTest = 2,      // cloud: accept x if u < p(x) / q(x)
  kResidualSample = 3,  // cloud: candidate y_i ~ p (draw index i)
  kResidualAccept = 4,  // edge: accept y_i with prob max(0, 1 - q/p)
  kTargetSample = 5,    // target-only sampling (cloud AR, bonus token)
  kResidualDirect = 6,  // sampling norm(max(0, p - q)) directly
};

// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2,
// 3", SC'11): a keyed bijection of a 128-bit counter. Returns the four
// 32-bit output words for `counter` under `key`.
std::array<uint32_t, 4> Philox4x32(std::array<uint32_t, 4> counter, std::array<uint32_t, 2> key);

// Counter-based uniforms: every number is a pure function of (seed, absolute
// token position, purpose, draw index), so committed text for a seed does
// not depend on chunk sizes, draft lengths, timing or reconnects (design §4).
// Stateless and thread-safe.
class CounterRng {
 public:
  explicit CounterRng(uint64_t seed) : seed_(seed) {}

  // A double in [0, 1) with 53 random bits.
  double Uniform(int64_t position, RngPurpose purpose, uint32_t draw = 0) const;

  uint64_t seed() const { return seed_; }

 private:
  uint64_t seed_;
};

}  // namespace tandem::spec

#endif  // TANDEM_COMMON_SPEC_COUNTER_RNG_H_
