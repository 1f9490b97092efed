#ifndef TANDEM_COMMON_SPEC_PIPELINE_MODEL_H_
#define TANDEM_COMMON_SPEC_PIPELINE_MODEL_H_

namespace tandem::spec {

// The timing model of edge-cloud speculative decoding, used to predict
// throughput (benchmarks report measured / predicted) and to choose the
// chunk size (the adaptive controller). Times are in seconds.
struct PipelineTimings {
  double alpha = 0.5;               // per-token acceptance probability (i.i.d.)
  double t_draft = 1e-3;            // edge time to draft one token
  double t_verify_fixed = 1e-3;     // cloud time per chunk: fixed part ...
  double t_verify_per_token = 0.0;  // ... plus this per token in the chunk
  double rtt = 0.0;                 // network round trip, without compute
  // Edge time per chunk that is not drafting and cannot overlap it: encoding
  // and writing the Draft, reading and applying its Verdict.
  double t_edge_per_chunk = 0.0;
  // An uplink that is the bottleneck: its rate, bytes/s, and a chunk's size
  // on it (framed), chunk_bytes_fixed + chunk_bytes_per_token per token.
  // 0: the uplink is not a bottleneck, and a chunk's bytes cost no time.
  // `rtt` then excludes the queueing behind the edge's own chunks.
  double uplink_bytes_per_s = 0.0;
  double chunk_bytes_fixed = 0.0;
  double chunk_bytes_per_token = 0.0;
  // Correction branches (design §6; edge/speculative_client.h): each covers
  // one in-flight position with `branch_length` tokens drafted after the
  // draft's most likely runner-up there, at `t_branch_token` edge seconds per
  // token (L + 1 of them: the root too). `branch_hit`: the chance that a
  // rejection's correction is that runner-up. branch_length 0: no branches.
  int branch_length = 0;
  double t_branch_token = 0.0;
  double branch_hit = 0.0;
  // Positions whose chance of a covered rejection, alpha^i * branch_hit, is
  // below this get no branch (--branch-min-score).
  double branch_min_score = 0.01;

  double t_verify(int tokens) const { return t_verify_fixed + t_verify_per_token * tokens; }
  // The time the uplink takes to carry a chunk of `tokens` tokens.
  double t_uplink(int tokens) const {
    return uplink_bytes_per_s > 0
               ? (chunk_bytes_fixed + chunk_bytes_per_token * tokens) / uplink_bytes_per_s
               : 0.0;
  }
};

// Synchronous speculative decoding (draft gamma, verify, bonus token): a
// round takes gamma t_d + t_edge + t_v(gamma + 1) + RTT and commits
// sum_{i=0..gamma} alpha^i = (1 - alpha^(gamma+1)) / (1 - alpha) tokens
// (Leviathan et al. 2023, eq. 1). Tokens per second.
double SyncThroughput(const PipelineTimings& t, int gamma);

// The asynchronous pipeline (design §6; PicoSpec's pipelined model,
// generalised to chunks of gamma with a draft-ahead limit D and no bonus).
// A cycle starts when the edge knows a correction and ends when it learns of
// the next rejection. Without rejections the schedule is deterministic:
//   token j is drafted during [d_j, d_j + t_d], with
//     d_j = max(d_{j-1} + t_d, A_{chunk(j - D)})   (at most D unverified),
//   chunk c (tokens [c gamma, (c+1) gamma)) is sent when its last token is
//   drafted and the edge has spent t_edge on it, s_c = d_{(c+1) gamma - 1} +
//   t_d + t_edge (the edge drafts on after that); a bottleneck uplink carries
//   chunks in order, done with chunk c at L_c = max(s_c, L_{c-1}) +
//   t_uplink(gamma) (L_c = s_c without one); the cloud verifies chunks in
//   order, F_c = max(L_c + RTT/2, F_{c-1}) + t_v(gamma); its verdict arrives
//   at A_c = F_c + RTT/2.
// The first rejection is at index k ~ Geometric: P(k) = alpha^k (1 - alpha);
// the cycle then commits k + 1 tokens (k accepted + the correction) and
// lasts A_{floor(k / gamma)}. By renewal-reward, throughput =
// E[k + 1] / E[A_{floor(k/gamma)}] = (1 / (1 - alpha)) / sum_k P(k) A_{k/gamma}.
// On a bottleneck uplink every chunk costs its fixed bytes (framing, ids,
// the timestamp: ~50 of a 4-token chunk's ~70), so short chunks cost
// throughput that the round trip alone does not show. Not modelled: the
// chunks sent after the rejected one and still on the link when its verdict
// arrives, which delay the next cycle's first chunk: counting every one of
// them predicted half the rate the edge ran at with gamma 2, D 32 on a
// 32 kbit/s uplink (docs/benchmarks.md, "The controller prices a chunk's
// bytes").
//
// With correction branches (branch_length L > 0) the schedule also follows
// the edge's branch policy: at each chunk boundary, while the cloud's queue
// as the edge sees it (the fold h = max(h, s_c) + t_v(gamma) over the chunks
// whose verdict has not arrived) outlasts a branch and the next chunk, the
// edge grows a branch first, (L + 1) t_b; and while it waits at the
// draft-ahead limit it grows branches that finish before the verdict it
// waits for. Each covers the earliest in-flight position not yet covered.
// A rejection at k whose position got a branch before the verdict A_c
// arrived is covered with probability branch_hit; the cloud then verifies
// the branch at once, so the cycle also commits the branch's
// B = sum_{j<L} alpha^j tokens (accepted run plus its correction) and lasts
// t_v(L + 1) longer. Branches thus gain where a setting leaves the edge
// time: short chunks make the cloud the bottleneck (early branches), a
// shallow D makes the edge wait; drafting far past the round trip leaves
// none. Not modelled: roots past the top runner-up, branches of branches,
// and a cost per message (docs/benchmarks.md, "The pipeline model credits
// correction branches").
double PipelinedThroughput(const PipelineTimings& t, int gamma, int draft_ahead);

// Cloud-only autoregressive decoding: one target step per token, the
// stream pipelined over the link (RTT only delays the first token).
double CloudOnlyThroughput(const PipelineTimings& t);

}  // namespace tandem::spec

#endif  // TANDEM_COMMON_SPEC_PIPELINE_MODEL_H_
