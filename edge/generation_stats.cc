#include "edge/generation_stats.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_format.h"

namespace tandem::edge {
namespace {

double PerToken(int64_t bytes, int64_t tokens) {
  return tokens > 0 ? static_cast<double>(bytes) / tokens : 0.0;
}

}  // namespace

double GenerationStats::tokens_per_second() const {
  const double seconds = absl::ToDoubleSeconds(total_time);
  return seconds > 0 ? generated_tokens / seconds : 0.0;
}

double GenerationStats::tpot_ms() const {
  if (generated_tokens <= 1) return 0.0;
  return absl::ToDoubleMilliseconds(total_time - time_to_first_token) / (generated_tokens - 1);
}

double GenerationStats::acceptance_rate() const {
  return draft_tokens > 0 ? static_cast<double>(accepted_tokens) / draft_tokens : 0.0;
}

double GenerationStats::mean_in_flight() const {
  return chunks > 0 ? static_cast<double>(in_flight_sum) / chunks : 0.0;
}

double GenerationStats::mean_accepted_length() const {
  return rounds > 0 ? 1.0 + static_cast<double>(accepted_tokens) / rounds : 0.0;
}

double GenerationStats::branch_token_seconds() const {
  return branch_draft_tokens > 0
             ? absl::ToDoubleSeconds(branch_draft_time) / static_cast<double>(branch_draft_tokens)
             : 0.0;
}

std::string GenerationStats::ToText() const {
  std::string out = absl::StrFormat(
      "--- tandem-edge (%s%s%s) ---\n"
      "prompt tokens      %d\n"
      "generated tokens   %d (stop: %s)\n"
      "time to first      %.1f ms\n"
      "per output token   %.2f ms\n"
      "throughput         %.1f tokens/s\n",
      decoding, verification.empty() ? "" : ", ", verification, prompt_tokens, generated_tokens,
      stop_reason, absl::ToDoubleMilliseconds(time_to_first_token), tpot_ms(), tokens_per_second());
  if (rounds > 0) {
    out += absl::StrFormat(
        "acceptance rate    %.3f (%d of %d drafted)\n"
        "mean accepted len  %.2f tokens/round (%d rounds, %d rejections)\n"
        "draft time         %.1f ms (edge)\n"
        "verify time        %.1f ms (cloud)\n"
        "mean RTT           %.2f ms\n",
        acceptance_rate(), accepted_tokens, draft_tokens, mean_accepted_length(), rounds,
        rejections, absl::ToDoubleMilliseconds(draft_time), absl::ToDoubleMilliseconds(verify_time),
        rtt_samples > 0 ? absl::ToDoubleMilliseconds(rtt_total) / rtt_samples : 0.0);
  }
  if (chunks > 0) {
    const double total_ms = absl::ToDoubleMilliseconds(total_time);
    out += absl::StrFormat(
        "pipeline           %d chunks (mean gamma %.1f, final gamma %d, D %d), %.2f in flight "
        "on average, %d wasted draft tokens\n"
        "bubbles            edge waited %.1f ms (%.1f%%), cloud idle %.1f ms (%.1f%%)\n",
        chunks, chunks > 0 ? static_cast<double>(gamma_sum) / chunks : 0.0, final_gamma,
        final_draft_ahead, mean_in_flight(), wasted_draft_tokens,
        absl::ToDoubleMilliseconds(edge_wait_time),
        total_ms > 0 ? 100 * absl::ToDoubleMilliseconds(edge_wait_time) / total_ms : 0.0,
        absl::ToDoubleMilliseconds(cloud_idle_time),
        total_ms > 0 ? 100 * absl::ToDoubleMilliseconds(cloud_idle_time) / total_ms : 0.0);
    if (branches_sent > 0 || branches_held > 0) {
      out += absl::StrFormat(
          "branches           %d sent (%d before the first verdict; %d drafted tokens, %.1f ms), "
          "%d taken by a rejection, held %d times for the uplink (%d before it was measured)\n",
          branches_sent, branches_before_first_verdict, branch_draft_tokens,
          absl::ToDoubleMilliseconds(branch_draft_time), branches_taken, branches_held,
          branches_held_unmeasured);
    }
  }
  if (uplink_message_bytes + downlink_message_bytes > 0) {
    out += absl::StrFormat(
        "uplink bytes/token   %.1f payload, %.1f message, %.1f framed\n"
        "downlink bytes/token %.1f payload, %.1f message, %.1f framed\n",
        PerToken(uplink_payload_bytes, generated_tokens),
        PerToken(uplink_message_bytes, generated_tokens),
        PerToken(uplink_framed_bytes, generated_tokens),
        PerToken(downlink_payload_bytes, generated_tokens),
        PerToken(downlink_message_bytes, generated_tokens),
        PerToken(downlink_framed_bytes, generated_tokens));
  }
  if (est_uplink_kbps + est_downlink_kbps > 0) {
    out += absl::StrFormat(
        "delivery rate      uplink %.1f kbit/s (capacity >= %.1f%s), downlink %.1f kbit/s (last "
        "8 messages)\n",
        est_uplink_kbps, est_uplink_capacity_kbps,
        est_uplink_bottleneck_kbps > 0 ? ", the bottleneck" : "", est_downlink_kbps);
  }
  out += absl::StrFormat("threads            %d\n", threads);
  return out;
}

std::string GenerationStats::ToJson() const {
  nlohmann::json j = {
      {"decoding", decoding},
      {"verification", verification},
      {"prompt_tokens", prompt_tokens},
      {"generated_tokens", generated_tokens},
      {"stop_reason", stop_reason},
      {"ttft_ms", absl::ToDoubleMilliseconds(time_to_first_token)},
      {"tpot_ms", tpot_ms()},
      {"total_ms", absl::ToDoubleMilliseconds(total_time)},
      {"tokens_per_second", tokens_per_second()},
      {"rounds", rounds},
      {"draft_tokens", draft_tokens},
      {"accepted_tokens", accepted_tokens},
      {"acceptance_rate", acceptance_rate()},
      {"mean_accepted_length", mean_accepted_length()},
      {"rejections", rejections},
      {"resample_requests", resample_requests},
      {"draft_ms", absl::ToDoubleMilliseconds(draft_time)},
      {"verify_ms", absl::ToDoubleMilliseconds(verify_time)},
      {"mean_rtt_ms", rtt_samples > 0 ? absl::ToDoubleMilliseconds(rtt_total) / rtt_samples : 0.0},
      {"uplink_payload_bytes", uplink_payload_bytes},
      {"uplink_message_bytes", uplink_message_bytes},
      {"uplink_framed_bytes", uplink_framed_bytes},
      {"downlink_payload_bytes", downlink_payload_bytes},
      {"downlink_message_bytes", downlink_message_bytes},
      {"downlink_framed_bytes", downlink_framed_bytes},
      {"draft_payload_bytes", draft_payload_bytes},
      {"draft_message_bytes", draft_message_bytes},
      {"draft_framed_bytes", draft_framed_bytes},
      {"rejection_payload_bytes", rejection_payload_bytes},
      {"rejection_message_bytes", rejection_message_bytes},
      {"rejection_framed_bytes", rejection_framed_bytes},
      {"uplink_bytes_per_token", PerToken(uplink_message_bytes, generated_tokens)},
      {"downlink_bytes_per_token", PerToken(downlink_message_bytes, generated_tokens)},
      {"chunks", chunks},
      {"sent_draft_tokens", sent_draft_tokens},
      {"rollbacks", rejections},
      {"wasted_draft_tokens", wasted_draft_tokens},
      {"stale_verdicts", stale_verdicts},
      {"edge_wait_ms", absl::ToDoubleMilliseconds(edge_wait_time)},
      {"cloud_idle_ms", absl::ToDoubleMilliseconds(cloud_idle_time)},
      {"edge_idle_pct", absl::ToDoubleMilliseconds(total_time) > 0
                            ? 100 * absl::ToDoubleMilliseconds(edge_wait_time) /
                                  absl::ToDoubleMilliseconds(total_time)
                            : 0.0},
      {"cloud_idle_pct", absl::ToDoubleMilliseconds(total_time) > 0
                             ? 100 * absl::ToDoubleMilliseconds(cloud_idle_time) /
                                   absl::ToDoubleMilliseconds(total_time)
                             : 0.0},
      {"mean_in_flight", mean_in_flight()},
      {"mean_gamma", chunks > 0 ? static_cast<double>(gamma_sum) / chunks : 0.0},
      {"confidence_cuts", confidence_cuts},
      {"branches_sent", branches_sent},
      {"branches_before_first_verdict", branches_before_first_verdict},
      {"chunks_before_opened", chunks_before_opened},
      {"drafts_before_opened", drafts_before_opened},
      {"branch_draft_tokens", branch_draft_tokens},
      {"branches_taken", branches_taken},
      {"main_path_rejections", main_path_rejections},
      {"corrections_top_runner_up", corrections_top_runner_up},
      {"branch_draft_ms", absl::ToDoubleMilliseconds(branch_draft_time)},
      {"branches_held", branches_held},
      {"branches_held_unmeasured", branches_held_unmeasured},
      {"stall_events", stall_events},
      {"cloud_verify_fixed_ms", cloud_verify_fixed_ms},
      {"cloud_verify_per_token_ms", cloud_verify_per_token_ms},
      {"accepted_at_position", accepted_at_position},
      {"tested_at_position", tested_at_position},
      {"estimates",
       {{"alpha", est_alpha},
        {"branch_hit", est_branch_hit},
        {"rtt_ms", est_rtt_ms},
        {"t_draft_ms", est_t_draft_ms},
        {"t_verify_ms", est_t_verify_ms},
        {"t_verify_per_token_ms", est_t_verify_per_token_ms},
        {"uplink_kbps", est_uplink_kbps},
        {"downlink_kbps", est_downlink_kbps},
        {"uplink_capacity_kbps", est_uplink_capacity_kbps},
        {"uplink_bottleneck_kbps", est_uplink_bottleneck_kbps},
        {"gamma", final_gamma},
        {"draft_ahead", final_draft_ahead}}},
      {"threads", threads},
      {"predicted_tokens_per_second", predicted_tokens_per_second},
  };
  nlohmann::json trace = nlohmann::json::array();
  for (const GammaChange& change : gamma_trace) {
    trace.push_back({absl::ToDoubleMilliseconds(change.at), change.gamma, change.draft_ahead});
  }
  j["gamma_trace"] = std::move(trace);  // [t_ms, gamma, D] at each change
  return j.dump();
}

}  // namespace tandem::edge
