#ifndef TANDEM_EDGE_GENERATION_STATS_H_
#define TANDEM_EDGE_GENERATION_STATS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace tandem::edge {

// Per-generation figures printed by `tandem-edge generate` and returned in
// --json. Counter semantics follow vLLM's speculative-decoding metrics:
// a "draft" is one verification round, draft tokens are tokens proposed,
// accepted tokens are drafted tokens the target accepted.
struct GenerationStats {
  std::string decoding;      // local, edge, cloud, sync
  std::string verification;  // exact, sparse-draft, topk ("" when no drafts)
  int64_t prompt_tokens = 0;
  int64_t generated_tokens = 0;
  std::string stop_reason;  // eos, max_tokens, context_full
  absl::Duration time_to_first_token;
  absl::Duration total_time;  // from the start to the last committed token

  // Speculative decoding.
  int64_t rounds = 0;        // verdicts received for drafted chunks
  int64_t draft_tokens = 0;  // tokens proposed
  int64_t accepted_tokens = 0;
  int64_t rejections = 0;
  int64_t resample_requests = 0;
  absl::Duration draft_time;   // edge model time
  absl::Duration verify_time;  // cloud compute, as reported in verdicts
  absl::Duration rtt_total;    // sum of per-round round trips
  int64_t rtt_samples = 0;

  // Link: bytes of Tandem's data fields (payload), of the serialized
  // messages, and with gRPC + HTTP/2 framing (see common/wire/payload_size.h).
  int64_t uplink_payload_bytes = 0;
  int64_t uplink_message_bytes = 0;
  int64_t uplink_framed_bytes = 0;
  int64_t downlink_payload_bytes = 0;
  int64_t downlink_message_bytes = 0;
  int64_t downlink_framed_bytes = 0;
  // The same, for Draft messages only (uplink per drafted token) and for
  // Verdicts of rejections, Resample answers included (downlink per rejection).
  int64_t draft_payload_bytes = 0;
  int64_t draft_message_bytes = 0;
  int64_t draft_framed_bytes = 0;
  int64_t rejection_payload_bytes = 0;
  int64_t rejection_message_bytes = 0;
  int64_t rejection_framed_bytes = 0;

  // Pipelined decoding.
  int64_t chunks = 0;               // Draft messages sent
  int64_t sent_draft_tokens = 0;    // drafted tokens sent, stale chunks included
  int64_t wasted_draft_tokens = 0;  // drafted, then discarded after a rejection
  int64_t stale_verdicts = 0;       // verdicts of an older epoch, ignored
  absl::Duration edge_wait_time;    // edge blocked waiting for a verdict
  absl::Duration cloud_idle_time;   // cloud waited for the next chunk (reported)
  int64_t in_flight_sum = 0;        // chunks in flight, summed at each send
  int64_t gamma_sum = 0;            // chunk size in force, summed at each send
  int64_t confidence_cuts = 0;      // chunks ended by --draft-p-min
  // Correction branches (--branches): sent with their chunks, their drafted
  // tokens, how many a rejection continued in, and the edge's drafting time
  // for them (not in draft_time, which is the main path's).
  int64_t branches_sent = 0;
  int64_t branch_draft_tokens = 0;
  int64_t branches_taken = 0;
  absl::Duration branch_draft_time;
  // Rejections on the main path, and those whose correction was the draft's
  // top runner-up there (the root of the first branch at a position).
  int64_t main_path_rejections = 0;
  int64_t corrections_top_runner_up = 0;
  // Times a branch was due but held back: the uplink was not measured yet,
  // or its queue would exceed --branch-queue-target (edge/uplink_queue.h).
  int64_t branches_held = 0;
  // Of those, held before the uplink was measured, by the assumed rate
  // (SpeculativeOptions::assumed_uplink_kbps) or count.
  int64_t branches_held_unmeasured = 0;
  // Branches sent before the generation's first verdict: a burst into a link
  // not yet measured in this generation (SpeculativeClient's link_memory
  // bounds it on a link measured before).
  int64_t branches_before_first_verdict = 0;
  // Pipelined: the chunks, and the drafted tokens in them, sent behind Open
  // before Opened arrived (SpeculativeOptions::send_before_opened).
  int64_t chunks_before_opened = 0;
  int64_t drafts_before_opened = 0;
  // Stall events (a loss proxy): verdict round trips over twice the running
  // RTT estimate plus 20 ms, as a TCP retransmission would cause.
  int64_t stall_events = 0;
  // Acceptance per position in a chunk: tested[i] drafted tokens at index i
  // were judged, accepted[i] of them accepted (vLLM's per-position counter).
  std::vector<int64_t> tested_at_position;
  std::vector<int64_t> accepted_at_position;
  // The adaptive controller's final channel estimates (pipelined).
  double est_alpha = 0, est_rtt_ms = 0, est_t_draft_ms = 0, est_t_verify_ms = 0;
  // The verify time's per-token part as the controller fits it.
  double est_t_verify_per_token_ms = 0;
  // The cloud's own measure of a verification's cost (Opened): fixed + per
  // token n; 0 and 0 from a cloud that does not say.
  double cloud_verify_fixed_ms = 0, cloud_verify_per_token_ms = 0;
  // How often a main-path rejection's correction was the draft's top
  // runner-up there (the first branch root), as the controller estimates it.
  double est_branch_hit = 0;
  // Delivery rates (edge/delivery_rate.h) over the last 8 verdicts (uplink,
  // from the cloud's receive times) and received messages (downlink): what
  // the links carried, their capacity while the sender kept them busy.
  double est_uplink_kbps = 0, est_downlink_kbps = 0;
  // The uplink's capacity as edge/uplink_queue.h estimates it (the largest
  // delivery rate between verdicts; a lower bound on a link never kept busy).
  double est_uplink_capacity_kbps = 0;
  // That capacity while the uplink is measured to be the bottleneck (the
  // controller prices chunk bytes at it), else 0
  // (UplinkQueue::bottleneck_bytes_per_s).
  double est_uplink_bottleneck_kbps = 0;
  int final_gamma = 0, final_draft_ahead = 0;
  // Each change of the controller's choice, from the start of generation.
  struct GammaChange {
    absl::Duration at;
    int gamma = 0;
    int draft_ahead = 0;
  };
  std::vector<GammaChange> gamma_trace;
  // The analytic model's steady-state tokens/s for this run's measured
  // timings and mean gamma (edge/throughput_prediction.h); 0 if none.
  double predicted_tokens_per_second = 0;
  int threads = 0;

  double mean_in_flight() const;

  double tokens_per_second() const;
  // Time per output token after the first (TPOT).
  double tpot_ms() const;
  double acceptance_rate() const;  // accepted / drafted
  // Tokens committed per round: accepted drafts + the correction or bonus.
  double mean_accepted_length() const;
  // Edge drafting time per branch token, seconds (branches cut short by a
  // verdict included); 0 before any branch was sent.
  double branch_token_seconds() const;

  std::string ToText() const;  // the human-readable block
  std::string ToJson() const;  // one JSON object
};

}  // namespace tandem::edge

#endif  // TANDEM_EDGE_GENERATION_STATS_H_
