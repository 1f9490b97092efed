#ifndef TANDEM_COMMON_SPEC_DRAFT_LENGTH_CONTROLLER_H_
#define TANDEM_COMMON_SPEC_DRAFT_LENGTH_CONTROLLER_H_

#include <optional>

#include "common/spec/decayed_linear_fit.h"
#include "common/spec/pipeline_model.h"

namespace tandem::spec {

struct ControllerOptions {
  int min_gamma = 1;         // --draft-min
  int max_gamma = 8;         // --draft-max
  int max_draft_ahead = 64;  // largest D considered
  // Weight of a new sample in the exponentially weighted moving averages.
  double ewma_weight = 0.2;
  // Keep the current setting unless another one is predicted to be at least
  // this much faster (relative): no oscillation on a steady channel.
  double hysteresis = 0.03;
  // Among settings predicted within this fraction of the best, take the one
  // that speculates least (smallest D, then smallest gamma): drafting ahead
  // that the model says buys nothing still costs edge compute and, on shared
  // hardware, the verifier's.
  double near_optimal = 0.002;
  // Until this many verdicts were observed, keep the initial setting.
  int warmup_verdicts = 3;
  // Until this many verdicts were observed, only D may change, not gamma:
  // D follows mostly the RTT, known before the first chunk (the Open
  // exchange), while gamma turns on the acceptance rate and the cloud's
  // per-chunk cost, which the priors only guess (on a fast link a prior
  // acceptance below the pair's made the first choice gamma = 2 where 4-8
  // were best).
  int gamma_warmup_verdicts = 4;
  // A Beta prior on the chance that a rejection's correction is the draft's
  // top runner-up (the root of the branch the edge grows first): on the
  // bundled pair about half (docs/architecture.md, "Correction branches").
  double branch_hit_prior = 0.5;
  double branch_hit_prior_rejections = 4;
  // A Beta prior on the acceptance rate: `alpha_prior_tokens` pseudo-tested
  // tokens at `alpha_prior`, decayed with the real ones. Without it one
  // fully accepted first chunk reads as alpha ~ 1 and the controller jumps
  // to the longest chunks and the deepest draft-ahead.
  double alpha_prior = 0.6;
  double alpha_prior_tokens = 4;
  // The verify time's per-token slope is fitted only once the chunk sizes
  // observed spread this much (weighted variance, tokens^2); before that
  // every chunk costs the mean. Two noisy samples at sizes 1 and 2 would
  // otherwise set the slope.
  double min_size_variance = 1.0;
  // The cloud's measured cost per token of a verification (its Opened
  // message) is held as the fit's slope prior with the weight of chunks
  // whose sizes vary this much (tokens^2; DecayedLinearFit::SetSlopePrior):
  // an edge that keeps one chunk size cannot fit the slope itself, and
  // without it every chunk costs the same, which ranks long chunks too high
  // where the cloud is the bottleneck.
  double verify_slope_prior_variance = 4.0;
  // Until the channel is measured: moderate chunks, little draft-ahead (on a
  // fast link drafting far ahead only wastes edge work; the controller
  // raises D once it sees a long RTT).
  int initial_gamma = 4;
  int initial_draft_ahead = 8;
};

// What the controller believes about the channel and the models.
struct ChannelEstimates {
  double alpha = 0.6;             // per-token acceptance probability
  double t_draft = 1e-3;          // s per drafted token (edge)
  double t_verify_fixed = 1e-3;   // s per chunk (cloud), fixed part
  double t_verify_per_token = 0;  // s per token in the chunk
  double t_verify(int tokens) const { return t_verify_fixed + t_verify_per_token * tokens; }
  double rtt = 0.01;            // s, network round trip without compute
  double t_edge_per_chunk = 0;  // s of edge work per chunk besides drafting
  // The uplink's rate while it is the bottleneck, bytes/s; 0 while it is
  // not. A chunk's framed bytes: chunk_bytes_fixed + per token.
  double uplink_bytes_per_s = 0;
  double chunk_bytes_fixed = 0;
  double chunk_bytes_per_token = 0;
  // Correction branches as the edge grows them (PipelineTimings): their
  // length, 0 while none go out unpriced; edge seconds per branch token; the
  // chance a rejection's correction is the draft's top runner-up there.
  // With branches the edge drafts up to D + branch_length ahead (a taken
  // branch's tokens count until their verdict arrives), and the model is
  // evaluated at that limit.
  int branch_length = 0;
  double t_branch_token = 0;
  double branch_hit = 0.5;
  int verdicts = 0;
};

struct DraftDecision {
  int gamma = 4;         // chunk size
  int draft_ahead = 16;  // D
  double predicted_tokens_per_s = 0;
};

// The draft-ahead limit the edge applies for the controller's D when it
// grows correction branches: D plus room for a taken branch's
// `branch_length` tokens (they count until their verdict arrives), rounded
// up to whole chunks of `gamma`, within `limit` (--draft-ahead) rounded down
// to whole chunks. Whole chunks: the edge sends the open chunk when it
// reaches the limit, so a limit between chunk boundaries cut every chunk
// that reached it short, and on a link where the cloud is the bottleneck
// each such chunk costs a whole verify's fixed part for a few tokens
// (docs/benchmarks.md, "The branch room cut chunks short").
int DraftAheadWithBranchRoom(int gamma, int draft_ahead, int branch_length, int limit);

// Channel-aware adaptive draft length (design §7). Observations arrive as
// the edge measures them; Decide() returns the chunk size gamma and the
// draft-ahead limit D that maximise the pipeline model's expected committed
// tokens per second (common/spec/pipeline_model.h) under the current
// estimates, within [min_gamma, max_gamma] and D in {gamma, 2 gamma, 4 gamma,
// ...} <= max_draft_ahead; among settings within `near_optimal` of the best
// it takes the least speculative one. After the first decision (which
// replaces the initial setting outright), a new setting replaces the current
// one only if it is predicted to be `hysteresis` faster. Pure and deterministic: no clock,
// no I/O; tests drive it with synthetic observations.
class DraftLengthController {
 public:
  explicit DraftLengthController(ControllerOptions options);

  // The network round trip without compute; on a bottleneck uplink also
  // without the queueing behind the edge's own chunks (the model adds that).
  void ObserveRtt(double seconds);
  // The Open exchange's round trip (less the cloud's prefill). Before any
  // RTT sample it is the estimate only until the first verdict's sample
  // replaces it: that one exchange also carries the stream's setup, and
  // read 142 and 49.6 ms where the verdicts then read 63 and 5.6 ms
  // (docs/benchmarks.md). Over a link measured before (ForNewSession) it is
  // folded in like any sample.
  void ObserveOpenRtt(double seconds);
  void ObserveDraftTime(double seconds_per_token);
  // Edge time spent on one chunk outside drafting (send + verdict handling).
  void ObserveChunkOverhead(double seconds);
  // One verified chunk of `tokens` tokens took `seconds` of cloud compute.
  void ObserveVerify(int tokens, double seconds);
  // The cloud's own measure of a verification's cost, fixed + per token n
  // seconds: the per-token part becomes the verify fit's slope prior, and
  // before any chunk was verified the line is the estimate.
  void ObserveCloudVerifyCost(double fixed_seconds, double per_token_seconds);
  // One verdict: `accepted` drafted tokens accepted, then a rejection or not.
  void ObserveVerdict(int accepted, bool rejected);
  // The uplink's rate while it is measured to be the bottleneck, bytes/s
  // (edge/uplink_queue.h); 0 when it is not. Taken as is: the estimate is
  // already filtered.
  void ObserveUplinkBottleneck(double bytes_per_s);
  // A main-path chunk of `tokens` tokens took `bytes` on the uplink (framed).
  void ObserveChunkBytes(int tokens, double bytes);
  // Correction branches: `length` tokens each while the edge grows every
  // branch its policy picks (0: none, or the uplink gate prices them, and
  // the edge's D is then the model's), at `seconds_per_token` of edge time
  // (a running mean, taken as is).
  void ObserveBranching(int length, double seconds_per_token);
  // A main-path rejection whose correction was (or was not) the draft's top
  // runner-up at that position.
  void ObserveRejectionRoot(bool correction_was_top_runner_up);

  DraftDecision Decide();

  // The controller for a new session over the same link and pair (a
  // long-lived edge's next generation): what was learned (acceptance, the
  // cloud's cost per chunk, draft time, RTT, per-chunk edge time) and the
  // last choice carry over, so neither the priors nor the gamma warm-up
  // apply again; `options` are the new session's (its bounds clamp the
  // carried choice).
  DraftLengthController ForNewSession(const ControllerOptions& options) const;
  const ChannelEstimates& estimates() const { return estimates_; }
  const DraftDecision& current() const { return current_; }

 private:
  double Predict(int gamma, int draft_ahead) const;

  ControllerOptions options_;
  ChannelEstimates estimates_;
  DraftDecision current_;
  // Running sums for the acceptance estimate, decayed like an EWMA:
  // alpha = accepted / tested (the geometric MLE).
  double accepted_ = 0, tested_ = 0;
  // The same for the branch root: hits / rejections.
  double root_hits_ = 0, root_tested_ = 0;
  // Least-squares fits over decayed sums: t_v(n) = a + b n, and a chunk's
  // bytes = c + d n.
  DecayedLinearFit verify_fit_;
  DecayedLinearFit bytes_fit_;
  bool have_rtt_ = false, have_draft_ = false, have_overhead_ = false;
  bool decided_ = false;  // a Decide() past the warm-up has chosen current_
};

}  // namespace tandem::spec

#endif  // TANDEM_COMMON_SPEC_DRAFT_LENGTH_CONTROLLER_H_
