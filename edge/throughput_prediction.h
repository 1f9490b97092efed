#ifndef TANDEM_EDGE_THROUGHPUT_PREDICTION_H_
#define TANDEM_EDGE_THROUGHPUT_PREDICTION_H_

#include "common/spec/pipeline_model.h"
#include "edge/generation_stats.h"

namespace tandem::edge {

// The timings one speculative generation measured, in the analytic model's
// terms (common/spec/pipeline_model.h):
//   alpha = accepted / (accepted + rejections)  (every tested token was
//           accepted or was its round's rejection: the geometric MLE),
//   t_d   = draft model time per drafted token (stale drafts included),
//   t_v   = cloud verify time per round (fixed part only),
//   RTT   = mean round trip without the cloud's queueing and compute,
// and where correction branches went out, as the controller models them:
//   L     = drafted tokens per branch sent (rounded),
//   t_b   = edge drafting time per branch token,
//   h     = main-path rejections whose correction was the top runner-up /
//           main-path rejections.
spec::PipelineTimings MeasuredTimings(const GenerationStats& stats);

// The model's steady-state tokens per second for those timings: pipelined
// with chunks of `gamma` and draft-ahead limit `draft_ahead`, or synchronous
// with `gamma` drafts per round. Compare with 1 / TPOT (the first token's
// latency is not in the model). 0 when the generation had no verdicts.
double PredictedTokensPerSecond(const GenerationStats& stats, bool pipelined, int gamma,
                                int draft_ahead);

}  // namespace tandem::edge

#endif  // TANDEM_EDGE_THROUGHPUT_PREDICTION_H_
