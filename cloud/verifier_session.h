#ifndef TANDEM_CLOUD_VERIFIER_SESSION_H_
#define TANDEM_CLOUD_VERIFIER_SESSION_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "cloud/verify_cost.h"
#include "common/model/llama_model.h"
#include "common/model/model_identity.h"
#include "common/spec/counter_rng.h"
#include "common/spec/quantized_distribution.h"
#include "common/spec/sampling_params.h"
#include "common/wire/messages.h"
#include "common/wire/zstd_codec.h"
#include "proto/tandem/v1/tandem.pb.h"

namespace tandem::cloud {

// Limits a session enforces on its peer (from tandem-cloud's flags).
struct SessionLimits {
  int64_t max_prompt_tokens = 4096;
  int64_t max_draft_tokens = 64;  // drafted tokens per chunk
  int64_t max_new_tokens = 4096;
  int64_t max_residual_candidates = 64;  // per Verdict / Resample
  int64_t max_top_k = 256;
};

// What the target side is: its tokenizer (checked against the draft's at
// Open), the ids that end its generation and what a verification costs
// here (both sent to the edge in Opened).
struct TargetIdentity {
  model::TokenizerIdentity tokenizer;
  std::vector<int32_t> stop_ids;
  VerifyCost verify_cost;  // zero: not measured
};

// One generation session on the cloud: the target's KV cache for this
// sequence and the verifier's half of speculative sampling (design §4-6).
// It is transport-free: Handle() takes one decoded EdgeMessage and emits
// replies through `emit`; the gRPC reactor (session_reactor.h) feeds it.
//
// State: tokens_[0, n) are verified and in the KV cache. `pending_p_` is the
// warped target distribution for position n when the last forward computed
// it (after prefill, and after an all-accepted chunk in pipelined mode); a
// chunk that starts with committed prefix tokens does not need it.
//
// Epochs: a rejection bumps epoch_. Drafts of an older epoch are dropped
// unprocessed (they were drafted past a rejected token); chunk sequence
// numbers must increase by one across all chunks, stale ones included.
//
// Not thread-safe: one session is driven by one thread at a time.
class VerifierSession {
 public:
  // Returns false when the stream is gone (stop producing).
  using Emit = std::function<bool(tandem::v1::CloudMessage)>;

  VerifierSession(uint64_t session_id, const model::LlamaModel& target, TargetIdentity identity,
                  SessionLimits limits, wire::CompressionPolicy compression);
  ~VerifierSession();

  // Handles one message. A non-OK status ends the session: the caller sends
  // it to the edge as an Error and finishes the stream. Codes: InvalidArgument
  // (malformed message), FailedPrecondition (wrong state, incompatible draft
  // model), Aborted (epoch/sequence mismatch: reopen), ResourceExhausted
  // (limits), Unimplemented (protocol version).
  // `received_at` is when the transport received the message (chunks queued
  // behind others report that wait in Verdict.queue_us).
  absl::Status Handle(const tandem::v1::EdgeMessage& message, const Emit& emit,
                      absl::Time received_at = absl::Now());

  // Cloud-only AR: samples and emits the next token. Returns false when the
  // generation is complete (or was never started).
  absl::StatusOr<bool> StepAutoregressive(const Emit& emit);
  bool autoregressive_active() const { return ar_active_; }

  bool closed() const { return closed_; }
  uint64_t id() const { return session_id_; }
  int64_t kv_bytes() const;

 private:
  absl::Status HandleOpen(const tandem::v1::Open& open, const Emit& emit);
  absl::Status HandleDraft(const tandem::v1::Draft& draft, const Emit& emit,
                           absl::Time received_at);
  absl::Status HandleResample(const tandem::v1::Resample& resample, const Emit& emit);
  absl::Status CheckCompatible(const tandem::v1::ModelFingerprint& draft) const;

  // Verifies the drafted part of `chunk` against the rows of `logits`.
  absl::StatusOr<wire::ChunkVerdict> Verify(const wire::DraftChunk& chunk,
                                            const model::Logits& logits);
  // Warped target distribution at the position predicted by `row`.
  std::vector<float> TargetDistribution(absl::Span<const float> row) const;
  // Fills the verdict's correction material for a rejection at `position`.
  void FillRejection(int64_t position, const std::vector<float>& p, const wire::DraftChunk& chunk,
                     size_t draft_index, wire::ChunkVerdict& verdict);
  // Draws candidates [first_draw, first_draw + count) from p at `position`.
  std::vector<spec::Candidate> DrawCandidates(int64_t position, const std::vector<float>& p,
                                              uint32_t first_draw, uint32_t count) const;
  int32_t SampleTarget(int64_t position, const std::vector<float>& p) const;
  bool Send(const wire::ChunkVerdict& verdict, const Emit& emit) const;
  // Drops a Draft without a verdict (stale, or a branch that does not
  // apply), keeping its delivery for the next verdict's receipts.
  absl::Status DropWithReceipt(const tandem::v1::Draft& draft, absl::Time received_at);

  const uint64_t session_id_;
  const model::LlamaModel& target_;
  const TargetIdentity identity_;
  const SessionLimits limits_;
  const wire::CompressionPolicy compression_;

  bool opened_ = false;
  bool closed_ = false;
  tandem::v1::VerificationMode verification_ = tandem::v1::VERIFICATION_MODE_EXACT;
  tandem::v1::DecodingMode decoding_ = tandem::v1::DECODING_MODE_SYNC;
  spec::SamplingParams sampling_;
  spec::CounterRng rng_{0};
  uint32_t residual_candidates_ = 8;
  uint32_t top_k_return_ = 16;
  bool stop_at_eos_ = true;
  int64_t max_new_tokens_ = 0;

  std::unique_ptr<model::KvCache> cache_;
  std::vector<int32_t> tokens_;  // verified, in the cache
  int64_t prompt_length_ = 0;
  std::optional<std::vector<float>> pending_p_;  // [vocab], predicts tokens_.size()
  // Tokens the next chunk must start with because the cloud chose them
  // (bonus, greedy or sparse-draft correction).
  std::optional<int32_t> expected_prefix_;
  uint32_t epoch_ = 0;
  int64_t last_seq_ = -1;
  // The chunk whose verification made the last rejection, until the next
  // chunk is verified (correction branches must name it as their parent).
  std::optional<uint32_t> rejected_seq_;
  // After a rejection in exact mode: where, and p there, for Resample.
  int64_t rejected_position_ = -1;
  std::vector<float> rejected_p_;
  uint32_t next_draw_ = 0;
  bool ar_active_ = false;
  // When the last verdict was produced (start of a possible idle period).
  std::optional<absl::Time> last_verdict_at_;
  // Framed bytes of every message handled so far (Verdict.uplink_bytes_received).
  int64_t uplink_bytes_received_ = 0;
  // Deliveries of the Drafts dropped since the last verdict was sent, in
  // arrival order: the next verdict's receipts (the newest
  // wire::kMaxReceipts).
  std::vector<wire::Receipt> pending_receipts_;
};

}  // namespace tandem::cloud

#endif  // TANDEM_CLOUD_VERIFIER_SESSION_H_
