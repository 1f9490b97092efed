#ifndef TANDEM_EDGE_SPECULATIVE_CLIENT_H_
#define TANDEM_EDGE_SPECULATIVE_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "common/model/llama_model.h"
#include "common/model/tokenizer/incremental_detokenizer.h"
#include "common/model/tokenizer/tokenizer.h"
#include "common/spec/counter_rng.h"
#include "common/spec/draft_length_controller.h"
#include "common/spec/sampling_params.h"
#include "common/wire/messages.h"
#include "common/wire/zstd_codec.h"
#include "edge/delivery_rate.h"
#include "edge/drafter.h"
#include "edge/generation_stats.h"
#include "edge/link_memory.h"
#include "edge/pipeline_state.h"
#include "edge/session_clock.h"
#include "edge/uplink_queue.h"
#include "edge/verdict_receiver.h"
#include "edge/verdict_trace.h"
#include "edge/verifier_transport.h"
#include "proto/tandem/v1/tandem.pb.h"

namespace tandem::edge {

enum class DecodingMode {
  kPipelined,  // keep drafting while chunks are verified (design §6)
  kSync,       // draft gamma, wait for the verdict (+ bonus token)
  kCloudAr,    // the cloud samples every token; the edge only streams
};

struct SpeculativeOptions {
  DecodingMode decoding = DecodingMode::kPipelined;
  tandem::v1::VerificationMode verification = tandem::v1::VERIFICATION_MODE_EXACT;
  spec::SamplingParams sampling;
  uint64_t seed = 0;
  int64_t max_tokens = 128;
  int draft_max = 4;     // gamma: drafted tokens per chunk
  int draft_min = 1;     // pipelined: shortest chunk sent when the cloud idles
  int draft_ahead = 16;  // pipelined: D, drafted tokens beyond the last verdict
  // Pipelined: choose gamma in [draft_min, draft_max] and D <= draft_ahead
  // from the measured channel (spec::DraftLengthController); off = fixed.
  bool adaptive = true;
  // Pipelined: a drafted token whose own draft probability is below this
  // ends its chunk, and drafting pauses until the next verdict (it is
  // likely to be rejected). 0 = off. Cf. llama.cpp's --draft-p-min.
  double draft_p_min = 0.0;
  // Pipelined, when the cloud chooses corrections (greedy, or sparse-draft
  // sampling): for each drafted token in flight, up to `branches` correction
  // branches of `branch_length` drafted tokens, rooted at the draft's next
  // most likely tokens. A rejection whose correction matches one continues
  // in it on the cloud at once instead of a round trip later (design §6).
  // They are drafted only in time the edge would spend waiting for a
  // verdict, and cost uplink bytes. 0 = off.
  int branches = 3;
  int branch_length = 8;
  // Also grow a branch before drafting on, at a chunk boundary, when the
  // chunks in flight keep the cloud busy for longer than the branch and the
  // next chunk take to draft (PipelineState::CloudBusyUntilUs): a branch is
  // worth most while its chunk is fresh. Off: only when the edge would wait.
  bool early_branches = true;
  // Pipelined: send the first chunks behind Open, before Opened (at most
  // wire::kGuaranteedDraftTokens each, up to D; docs/protocol.md). Off for a
  // cloud that takes shorter chunks (an older tandem-cloud run with
  // --max-draft-tokens below 8): the edge then waits for Opened.
  bool send_before_opened = true;
  // Branches are speculative traffic. With a finite target, a branch is
  // held back if the uplink queue it would join, itself included, is
  // predicted to take longer than this to drain, or if it would cost the
  // main path more than it saves, while the uplink is measured to be the
  // bottleneck (edge/branch_gate.h). On a thin uplink (below ~200 kbit/s)
  // branches otherwise delay the main path's chunks. Unset: kAdaptiveBranchQueueTarget when
  // `adaptive` (the controller adapts how much the edge speculates to the channel: gamma, D and
  // this), never when fixed. InfiniteDuration: never held back.
  std::optional<absl::Duration> branch_queue_target;
  static constexpr absl::Duration kAdaptiveBranchQueueTarget = absl::Milliseconds(30);
  // With a finite queue target: how many branches may go out before two
  // verdicts have measured the uplink; -1 = no count (the assumed rate
  // below decides). Nothing is known of the link in the first round trip:
  // a limit protects a link that is thin from the start and costs a fat one
  // that round trip's branches (a limit of 3: about 3% of a 48-token
  // generation at RTT 50 ms, docs/benchmarks.md).
  int branches_before_uplink_measured = -1;
  // Without that limit: the uplink rate, kbit/s, assumed before two verdicts
  // have measured it; branches beyond what it drains within the queue
  // target wait (BranchGatePolicy::assumed_bytes_per_s). 0: assume nothing.
  // A thin link then takes a few branches in its first round trip instead
  // of every one drafted (30-60 at 32 kbit/s); a fat one loses the rest of
  // that round trip's branches (docs/benchmarks.md).
  double assumed_uplink_kbps = 64;
  // The queue target in force (branch_queue_target resolved).
  absl::Duration BranchQueueTarget() const;
  // A branch is drafted only if the chance it is taken, estimated as in
  // PipelineState::NextBranchTarget, is at least this.
  double branch_min_score = 0.01;
  int residual_candidates = 8;  // exact mode: m per batch
  int max_resample_rounds = 4;  // then ask for the dense p
  int top_k_return = 16;        // topk mode: K
  int sparse_top_k = 8;         // sparse-draft mode: support of q^
  wire::CompressionPolicy compression;
  // Pipelined: called with a record of every verdict applied (stale ones
  // excepted), on the generation's thread (tandem-edge --trace-file). Unset:
  // no record is made.
  VerdictTraceSink on_verdict;

  absl::Status Validate() const;
};

// The edge half of a generation against tandem-cloud: opens a session,
// drafts with the draft model, sends chunks, applies verdicts (accepting,
// resolving corrections: in exact mode the edge accepts a residual candidate
// y with probability max(0, 1 - q(y)/p(y))), and streams committed text.
// Pipelined (default): drafting continues while chunks are in flight, up to
// draft_ahead tokens beyond the last verdict; a rejection flushes by epoch.
// Synchronous: one chunk in flight. Stops at the target's stop ids (sent in
// Opened) or after max_tokens.
class SpeculativeClient {
 public:
  // `draft` may be null for kCloudAr. References must outlive the client.
  // `link_memory`, if set, is what earlier generations over the same link
  // measured (a long-lived edge serving many requests keeps one per cloud
  // link, edge/link_memory.h): a generation starts from it instead of
  // knowing nothing for its first round trips, and leaves its own
  // measurements there.
  SpeculativeClient(const model::LlamaModel* draft, const model::Tokenizer& tokenizer,
                    VerifierTransport& transport, SpeculativeOptions options,
                    LinkMemory* link_memory = nullptr);

  // Generated token ids; text goes to `on_text` as soon as it is final.
  absl::StatusOr<std::vector<int32_t>> Generate(
      const std::string& prompt, const std::function<void(std::string_view)>& on_text,
      GenerationStats* stats);

 private:
  // The Open exchange, in two halves: pipelined decoding sends its first
  // chunks in between (SendChunksBeforeOpened).
  absl::Status SendOpen(const std::vector<int32_t>& prompt, tandem::v1::DecodingMode decoding);
  // Reads Opened: the cloud's limits, stop ids and verify cost; the first
  // RTT sample.
  absl::Status AwaitOpened();
  absl::Status RunSync();
  absl::Status RunPipelined();
  // The adaptive controller's first chunk size without link memory.
  static constexpr int kInitialChunkTokens = 4;
  // Pipelined, before Opened: chunks of at most wire::kGuaranteedDraftTokens
  // (the adaptive edge's initial or remembered gamma), up to its D.
  PipelineOptions OptionsBeforeOpened() const;
  // Drafts and sends those chunks until D, the token budget or a
  // low-confidence draft (whose chunk goes at once, as in the main loop);
  // each token's draft time goes to `draft_seconds`. True if a draft cut it.
  absl::StatusOr<bool> SendChunksBeforeOpened(PipelineState& state,
                                              std::vector<double>& draft_seconds);
  // Sends the open chunk (and any unsent correction before it) and counts it.
  absl::Status SendChunk(PipelineState& state);
  // Applies one verdict in pipelined mode (commits, resolves a rejection).
  absl::Status ApplyPipelined(const tandem::v1::CloudMessage& message, PipelineState& state);
  // Hands options_.on_verdict the record of a verdict just applied.
  void TraceVerdict(const PipelineState& state, const PipelineState::Outcome& outcome,
                    const wire::ChunkVerdict& verdict) const;
  // Whether correction branches apply: options and mode.
  bool Branching() const;
  // The cloud sent its measure of a verification's cost in Opened.
  bool CloudMeasuredVerifyCost() const {
    return stats_.cloud_verify_fixed_ms > 0 || stats_.cloud_verify_per_token_ms > 0;
  }
  // In time the edge would spend waiting: drafts and sends the next
  // correction branch (PipelineState::NextBranchTarget). A verdict arriving
  // meanwhile is applied instead and the branch left for later. False when
  // there is nothing to grow.
  absl::StatusOr<bool> GrowBranch(PipelineState& state, VerdictReceiver& receiver);
  // The edge's time per branch token: what branches have cost so far (a
  // branch token costs more than a main-path one, the branch drafter
  // recomputing from the branch point), the main path's before any.
  double BranchTokenMicros() const;
  // Whether a branch grown now, and then the next chunk, would be sent
  // before the cloud runs out of work (options_.early_branches).
  bool CloudHasTimeForBranch(const PipelineState& state) const;
  // Sets the controller's current choice of gamma and D on `state` and
  // records it in stats_.gamma_trace.
  void ApplyControllerDecision(PipelineState& state);
  // Fills the stats known only at the end (draft time, the prediction).
  void FinishStats();
  absl::StatusOr<std::unique_ptr<Drafter>> MakeDrafter() const;
  absl::Status RunCloudAr();
  // Byte accounting for every message to the cloud; a Draft's send time
  // (Unix microseconds) goes on the wire on the session's clock.
  absl::Status SendMessage(tandem::v1::EdgeMessage message);
  // The next message from the cloud; `arrived_at`, if given, is set to when
  // it arrived (the receiver thread's time in pipelined mode).
  absl::StatusOr<tandem::v1::CloudMessage> ReceiveMessage(absl::Time* arrived_at = nullptr);
  // Byte accounting and Error -> Status for every message from the cloud.
  absl::StatusOr<tandem::v1::CloudMessage> Received(tandem::v1::CloudMessage message);
  absl::StatusOr<wire::ChunkVerdict> ReceiveVerdict();
  absl::StatusOr<wire::ChunkVerdict> DecodeVerdictMessage(const tandem::v1::CloudMessage& message);
  // The token at the rejected position `position` given the verdict.
  absl::StatusOr<int32_t> ResolveCorrection(const wire::ChunkVerdict& verdict,
                                            const DraftedToken& rejected, int64_t position);
  absl::StatusOr<int32_t> ResolveExact(wire::ChunkVerdict verdict, const DraftedToken& rejected,
                                       int64_t position);
  // Per-position acceptance counters for one verdict.
  void CountPositions(int accepted, bool rejected);
  // Appends a committed token and streams its text. False: generation ends.
  bool Commit(int32_t token);

  const model::LlamaModel* draft_;
  const model::Tokenizer& tokenizer_;
  VerifierTransport& transport_;
  const SpeculativeOptions options_;
  const spec::CounterRng rng_;

  // Per generation.
  std::unique_ptr<Drafter> drafter_;
  std::unique_ptr<Drafter> branch_drafter_;  // its own KV cache: the main path's stays warm
  std::unique_ptr<model::IncrementalDetokenizer> detokenizer_;
  std::function<void(std::string_view)> on_text_;
  std::vector<int32_t> sequence_;  // prompt + committed
  int64_t prompt_length_ = 0;
  int64_t max_context_ = 0;
  int64_t cloud_max_draft_ = 0;
  bool cloud_accepts_branches_ = false;  // Opened.accepts_branches
  absl::flat_hash_set<int32_t> stop_ids_;
  uint32_t epoch_ = 0;
  VerdictReceiver* receiver_ = nullptr;  // pipelined: messages come from here
  absl::Duration last_rtt_;              // from the last verdict's echo
  absl::Time open_sent_;
  absl::Duration open_rtt_;        // from the Open/Opened exchange
  absl::Duration open_prefill_;    // the cloud's prompt prefill time
  absl::Duration chunk_overhead_;  // edge send/apply time since the last verdict
  int64_t chunks_at_last_verdict_ = 0;
  DeliveryRate uplink_rate_;       // from the cloud's receive times and byte counts
  DeliveryRate downlink_rate_;     // from this edge's
  UplinkQueue uplink_queue_;       // the uplink's predicted queue, for branches
  LinkMemory* link_memory_;        // may be null
  int64_t last_branch_bytes_ = 0;  // framed, the last branch sent
  // Moving averages (weight 0.2) for early branches: the edge's time to
  // draft one main-path token, and the cloud's per chunk (CloudServiceMicros).
  double draft_us_ewma_ = 0;
  double service_us_ewma_ = 0;
  std::unique_ptr<spec::DraftLengthController> controller_;  // pipelined, adaptive
  GenerationStats stats_;
  absl::Time start_;
  SessionClock wire_clock_;  // Draft.sent_at_us on the wire (edge/session_clock.h)
  bool done_ = false;
};

}  // namespace tandem::edge

#endif  // TANDEM_EDGE_SPECULATIVE_CLIENT_H_
