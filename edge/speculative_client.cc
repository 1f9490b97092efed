#include "edge/speculative_client.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base/logging.h"
#include "common/base/status_macros.h"
#include "common/model/compute_threads.h"
#include "common/model/model_identity.h"
#include "common/spec/rejection_sampler.h"
#include "common/wire/message_codec.h"
#include "common/wire/packed_ids.h"
#include "common/wire/payload_size.h"
#include "common/wire/protocol_version.h"
#include "common/wire/status_proto.h"
#include "edge/branch_gate.h"
#include "edge/cloud_service_time.h"
#include "edge/throughput_prediction.h"

namespace tandem::edge {
namespace {

namespace v1 = ::tandem::v1;
using spec::RngPurpose;

int64_t NowMicros() { return absl::ToUnixMicros(absl::Now()); }

// One step of an exponentially weighted moving average; the first sample
// (average still 0) is taken as is.
void UpdateEwma(double sample, double& average) {
  constexpr double kWeight = 0.2;
  average = average == 0 ? sample : (1 - kWeight) * average + kWeight * sample;
}

const char* VerificationName(v1::VerificationMode mode) {
  switch (mode) {
    case v1::VERIFICATION_MODE_SPARSE_DRAFT:
      return "sparse-draft";
    case v1::VERIFICATION_MODE_TOPK:
      return "topk";
    default:
      return "exact";
  }
}

}  // namespace

absl::Status SpeculativeOptions::Validate() const {
  TANDEM_RETURN_IF_ERROR(sampling.Validate());
  if (max_tokens <= 0) return absl::InvalidArgumentError("--max-tokens must be positive");
  if (draft_max < 1) return absl::InvalidArgumentError("--draft-max must be >= 1");
  if (draft_min < 1 || draft_min > draft_max) {
    return absl::InvalidArgumentError("--draft-min must be in [1, --draft-max]");
  }
  if (draft_ahead < draft_max) {
    return absl::InvalidArgumentError("--draft-ahead must be >= --draft-max");
  }
  if (branches < 0 || branch_length < 1 || branch_min_score < 0 || branch_min_score > 1) {
    return absl::InvalidArgumentError(
        "--branches must be >= 0, --branch-length >= 1, --branch-min-score in [0, 1]");
  }
  if (branch_queue_target && *branch_queue_target < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "--branch-queue-target must be >= 0 (e.g. 10ms; inf never holds branches back)");
  }
  if (branches_before_uplink_measured < -1) {
    return absl::InvalidArgumentError(
        "--branches-before-uplink-measured must be >= 0, or -1 for no count (the assumed uplink "
        "rate decides)");
  }
  if (!(assumed_uplink_kbps >= 0)) {
    return absl::InvalidArgumentError(
        "--assumed-uplink-kbps must be >= 0 (e.g. 64; 0 assumes nothing before the uplink is "
        "measured)");
  }
  if (residual_candidates < 1 || top_k_return < 1 || sparse_top_k < 1) {
    return absl::InvalidArgumentError(
        "--residual-candidates, --top-k-return and --sparse-top-k must be >= 1");
  }
  return absl::OkStatus();
}

absl::Duration SpeculativeOptions::BranchQueueTarget() const {
  if (branch_queue_target) return *branch_queue_target;
  return adaptive ? kAdaptiveBranchQueueTarget : absl::InfiniteDuration();
}

SpeculativeClient::SpeculativeClient(const model::LlamaModel* draft,
                                     const model::Tokenizer& tokenizer,
                                     VerifierTransport& transport, SpeculativeOptions options,
                                     LinkMemory* link_memory)
    : draft_(draft),
      tokenizer_(tokenizer),
      transport_(transport),
      options_(std::move(options)),
      rng_(options_.seed),
      link_memory_(link_memory) {}

absl::Status SpeculativeClient::SendMessage(v1::EdgeMessage message) {
  // A Draft's own send time is the one its verdict echoes.
  int64_t sent_at_us = NowMicros();
  if (message.has_draft() && message.draft().sent_at_us() > 0) {
    sent_at_us = message.draft().sent_at_us();
    message.mutable_draft()->set_sent_at_us(wire_clock_.ToWire(sent_at_us));
  }
  const wire::WireBytes bytes = wire::MeasureWireBytes(message);
  stats_.uplink_payload_bytes += bytes.payload;
  stats_.uplink_message_bytes += bytes.message;
  stats_.uplink_framed_bytes += bytes.framed;
  if (message.has_draft()) {
    stats_.draft_payload_bytes += bytes.payload;
    stats_.draft_message_bytes += bytes.message;
    stats_.draft_framed_bytes += bytes.framed;
  }
  uplink_queue_.OnSent(stats_.uplink_framed_bytes, sent_at_us);
  return transport_.Send(message);
}

absl::StatusOr<v1::CloudMessage> SpeculativeClient::ReceiveMessage(absl::Time* arrived_at) {
  TANDEM_ASSIGN_OR_RETURN(v1::CloudMessage message,
                          receiver_ != nullptr ? receiver_->Pop(&stats_.edge_wait_time, arrived_at)
                                               : transport_.Receive());
  if (receiver_ == nullptr && arrived_at != nullptr) *arrived_at = absl::Now();
  return Received(std::move(message));
}

absl::StatusOr<v1::CloudMessage> SpeculativeClient::Received(v1::CloudMessage message) {
  const wire::WireBytes bytes = wire::MeasureWireBytes(message);
  stats_.downlink_payload_bytes += bytes.payload;
  stats_.downlink_message_bytes += bytes.message;
  stats_.downlink_framed_bytes += bytes.framed;
  downlink_rate_.Observe(stats_.downlink_framed_bytes, NowMicros());
  if (message.has_error()) return wire::ErrorToStatus(message.error());
  return message;
}

absl::StatusOr<wire::ChunkVerdict> SpeculativeClient::ReceiveVerdict() {
  TANDEM_ASSIGN_OR_RETURN(v1::CloudMessage message, ReceiveMessage());
  return DecodeVerdictMessage(message);
}

absl::StatusOr<wire::ChunkVerdict> SpeculativeClient::DecodeVerdictMessage(
    const v1::CloudMessage& message) {
  if (!message.has_verdict()) {
    return absl::InternalError(
        absl::StrCat("expected a Verdict from the cloud, got message kind ", message.kind_case()));
  }
  if (message.verdict().status() == v1::VERDICT_STATUS_REJECTED) {
    const wire::WireBytes bytes = wire::MeasureWireBytes(message);
    stats_.rejection_payload_bytes += bytes.payload;
    stats_.rejection_message_bytes += bytes.message;
    stats_.rejection_framed_bytes += bytes.framed;
  }
  TANDEM_ASSIGN_OR_RETURN(
      wire::ChunkVerdict verdict,
      wire::DecodeVerdict(
          message.verdict(), tokenizer_.vocab_size(),
          static_cast<size_t>(std::max(options_.residual_candidates, options_.top_k_return)) * 8));
  // Send times come back on the session's clock (SendMessage).
  verdict.echo_sent_at_us = wire_clock_.FromWire(verdict.echo_sent_at_us);
  for (wire::Receipt& receipt : verdict.receipts) {
    receipt.echo_sent_at_us = wire_clock_.FromWire(receipt.echo_sent_at_us);
  }
  if (verdict.received_at_us > 0) {
    uplink_rate_.Observe(verdict.uplink_bytes_received, verdict.received_at_us);
    // Every delivery the verdict reports -- its chunk's and the receipts of
    // the messages the cloud dropped since its last verdict -- in arrival
    // order. (The uplink model skips what it already knows: a chunk that
    // arrived before the last verdict's receipts.)
    // (A message without its send time -- 0 from an edge that does not
    // stamp it -- says nothing of its one-way delay.)
    std::vector<wire::Receipt> deliveries;
    for (const wire::Receipt& receipt : verdict.receipts) {
      if (receipt.echo_sent_at_us > 0 && receipt.received_at_us > 0) deliveries.push_back(receipt);
    }
    if (verdict.echo_sent_at_us > 0) {
      deliveries.push_back(
          {verdict.echo_sent_at_us, verdict.received_at_us, verdict.uplink_bytes_received});
    }
    std::stable_sort(deliveries.begin(), deliveries.end(),
                     [](const wire::Receipt& a, const wire::Receipt& b) {
                       return a.received_at_us < b.received_at_us;
                     });
    for (const wire::Receipt& delivery : deliveries) {
      uplink_queue_.OnDelivered(delivery.echo_sent_at_us, delivery.received_at_us,
                                delivery.uplink_bytes_received);
    }
  }
  last_rtt_ = absl::ZeroDuration();
  if (verdict.echo_sent_at_us > 0) {
    // Round trip minus the cloud's own time (queueing + verification).
    last_rtt_ = absl::Microseconds(NowMicros() - verdict.echo_sent_at_us) -
                absl::Microseconds(verdict.verify_us + verdict.queue_us);
    if (stats_.rtt_samples >= 4 &&
        last_rtt_ > 2 * (stats_.rtt_total / stats_.rtt_samples) + absl::Milliseconds(20)) {
      ++stats_.stall_events;
    }
    stats_.rtt_total += last_rtt_;
    ++stats_.rtt_samples;
  }
  stats_.verify_time += absl::Microseconds(verdict.verify_us);
  stats_.cloud_idle_time += absl::Microseconds(verdict.cloud_idle_us);
  return verdict;
}

void SpeculativeClient::CountPositions(int accepted, bool rejected) {
  const size_t tested = static_cast<size_t>(accepted) + (rejected ? 1 : 0);
  if (stats_.tested_at_position.size() < tested) {
    stats_.tested_at_position.resize(tested, 0);
    stats_.accepted_at_position.resize(tested, 0);
  }
  for (size_t i = 0; i < tested; ++i) {
    ++stats_.tested_at_position[i];
    if (static_cast<int>(i) < accepted) ++stats_.accepted_at_position[i];
  }
}

bool SpeculativeClient::Commit(int32_t token) {
  if (stop_ids_.contains(token)) {
    stats_.stop_reason = "eos";
    done_ = true;
    return false;
  }
  sequence_.push_back(token);
  ++stats_.generated_tokens;
  if (stats_.generated_tokens == 1) stats_.time_to_first_token = absl::Now() - start_;
  stats_.total_time = absl::Now() - start_;
  if (on_text_) on_text_(detokenizer_->Push(token));
  if (stats_.generated_tokens >= options_.max_tokens) {
    stats_.stop_reason = "max_tokens";
    done_ = true;
    return false;
  }
  return true;
}

absl::Status SpeculativeClient::SendOpen(const std::vector<int32_t>& prompt,
                                         v1::DecodingMode decoding) {
  v1::EdgeMessage message;
  v1::Open* open = message.mutable_open();
  open->set_protocol_version(wire::kProtocolVersion);
  const model::TokenizerIdentity identity = model::IdentityOf(tokenizer_);
  open->mutable_draft()->set_vocab_size(static_cast<uint32_t>(identity.vocab_size));
  open->mutable_draft()->set_token_text_hash(identity.token_text_hash);
  if (identity.eos_id >= 0) open->mutable_draft()->add_eos_ids(identity.eos_id);
  open->mutable_draft()->set_bos_id(identity.bos_id);
  open->mutable_sampling()->set_temperature(static_cast<float>(options_.sampling.temperature));
  open->mutable_sampling()->set_top_k(static_cast<int32_t>(options_.sampling.top_k));
  open->mutable_sampling()->set_top_p(static_cast<float>(options_.sampling.top_p));
  open->mutable_sampling()->set_min_p(static_cast<float>(options_.sampling.min_p));
  open->set_seed(options_.seed);
  open->set_verification(options_.verification);
  open->set_decoding(decoding);
  open->set_max_new_tokens(static_cast<uint32_t>(options_.max_tokens));
  open->set_residual_candidates(static_cast<uint32_t>(options_.residual_candidates));
  open->set_top_k_return(static_cast<uint32_t>(options_.top_k_return));
  open->set_max_draft_tokens(static_cast<uint32_t>(options_.draft_max));
  open->set_stop_at_eos(true);
  open->set_zstd_level(static_cast<uint32_t>(options_.compression.level));
  wire::EncodeIds(prompt, options_.compression, open->mutable_prompt());
  open_sent_ = absl::Now();
  return SendMessage(std::move(message));
}

absl::Status SpeculativeClient::AwaitOpened() {
  absl::Time arrived_at;
  TANDEM_ASSIGN_OR_RETURN(v1::CloudMessage reply, ReceiveMessage(&arrived_at));
  if (!reply.has_opened()) {
    return absl::InternalError("the cloud did not answer Open with Opened");
  }
  // The Open exchange is the first RTT sample (minus the cloud's prefill).
  open_prefill_ = absl::Microseconds(reply.opened().prefill_us());
  open_rtt_ = std::max(absl::ZeroDuration(), arrived_at - open_sent_ - open_prefill_);
  stop_ids_.clear();
  stop_ids_.insert(reply.opened().stop_ids().begin(), reply.opened().stop_ids().end());
  max_context_ = reply.opened().max_context();
  cloud_max_draft_ = reply.opened().max_draft_tokens();
  cloud_accepts_branches_ = reply.opened().accepts_branches();
  // The cloud's verify cost, if it sent a plausible one (each part within
  // [0, 60 s]): the controller's prior, never trusted blindly.
  const int64_t fixed_ns = reply.opened().verify_fixed_ns();
  const int64_t per_token_ns = reply.opened().verify_per_token_ns();
  constexpr int64_t kMaxPlausibleNs = int64_t{60} * 1000 * 1000 * 1000;
  if (fixed_ns >= 0 && fixed_ns <= kMaxPlausibleNs && per_token_ns >= 0 &&
      per_token_ns <= kMaxPlausibleNs) {
    stats_.cloud_verify_fixed_ms = static_cast<double>(fixed_ns) * 1e-6;
    stats_.cloud_verify_per_token_ms = static_cast<double>(per_token_ns) * 1e-6;
  } else {
    ABSL_LOG(WARNING) << "ignoring the cloud's implausible verify cost: " << fixed_ns << " ns + "
                      << per_token_ns << " ns per token";
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<int32_t>> SpeculativeClient::Generate(
    const std::string& prompt, const std::function<void(std::string_view)>& on_text,
    GenerationStats* stats) {
  TANDEM_RETURN_IF_ERROR(options_.Validate());
  const bool cloud_ar = options_.decoding == DecodingMode::kCloudAr;
  if (!cloud_ar && draft_ == nullptr) {
    return absl::InvalidArgumentError("speculative decoding needs a draft model (--model)");
  }
  TANDEM_ASSIGN_OR_RETURN(sequence_, tokenizer_.Encode(prompt, /*add_special_tokens=*/true));
  if (sequence_.empty()) {
    return absl::InvalidArgumentError("the prompt encodes to no tokens; give a non-empty prompt");
  }
  prompt_length_ = static_cast<int64_t>(sequence_.size());
  stats_ = GenerationStats();
  uplink_rate_ = DeliveryRate();
  downlink_rate_ = DeliveryRate();
  uplink_queue_ = link_memory_ != nullptr ? link_memory_->uplink.ForNewSession() : UplinkQueue();
  last_branch_bytes_ = 0;
  draft_us_ewma_ = service_us_ewma_ = 0;
  stats_.decoding = cloud_ar                                   ? "cloud"
                    : options_.decoding == DecodingMode::kSync ? "sync"
                                                               : "pipelined";
  stats_.verification = cloud_ar ? "" : VerificationName(options_.verification);
  stats_.prompt_tokens = prompt_length_;
  stats_.stop_reason = "max_tokens";
  stats_.threads = model::ComputeThreads();
  on_text_ = on_text;
  detokenizer_ = std::make_unique<model::IncrementalDetokenizer>(tokenizer_);
  done_ = false;
  epoch_ = 0;
  max_context_ = 0;  // Opened says; a drafter made before it sizes from the budget
  start_ = absl::Now();
  wire_clock_ = SessionClock(absl::ToUnixMicros(start_));
  const v1::DecodingMode decoding = cloud_ar ? v1::DECODING_MODE_CLOUD_AR
                                    : options_.decoding == DecodingMode::kSync
                                        ? v1::DECODING_MODE_SYNC
                                        : v1::DECODING_MODE_PIPELINED;
  TANDEM_RETURN_IF_ERROR(SendOpen(sequence_, decoding));
  if (options_.decoding == DecodingMode::kPipelined) {
    // RunPipelined awaits Opened behind its first chunk, and ends the stream
    // itself (its receiver thread reads it).
    TANDEM_RETURN_IF_ERROR(RunPipelined());
    if (on_text_) on_text_(detokenizer_->Flush());
    FinishStats();
    if (stats != nullptr) *stats = stats_;
    return std::vector<int32_t>(sequence_.begin() + prompt_length_, sequence_.end());
  }
  TANDEM_RETURN_IF_ERROR(AwaitOpened());
  TANDEM_RETURN_IF_ERROR(cloud_ar ? RunCloudAr() : RunSync());
  if (on_text_) on_text_(detokenizer_->Flush());
  v1::EdgeMessage close;
  close.mutable_close();
  // The session is over either way; a failed Close only loses cleanup.
  if (SendMessage(std::move(close)).ok()) transport_.Finish().IgnoreError();
  FinishStats();
  if (stats != nullptr) *stats = stats_;
  return std::vector<int32_t>(sequence_.begin() + prompt_length_, sequence_.end());
}

void SpeculativeClient::FinishStats() {
  if (link_memory_ != nullptr) {
    link_memory_->uplink = uplink_queue_;
    if (controller_) link_memory_->controller = *controller_;
  }
  if (drafter_) stats_.draft_time = drafter_->model_time();
  stats_.est_uplink_kbps = uplink_rate_.kbps();
  stats_.est_downlink_kbps = downlink_rate_.kbps();
  stats_.est_uplink_capacity_kbps = uplink_queue_.capacity_bytes_per_s() * 8e-3;
  stats_.est_uplink_bottleneck_kbps = uplink_queue_.bottleneck_bytes_per_s() * 8e-3;
  if (options_.decoding == DecodingMode::kCloudAr || stats_.rounds == 0) return;
  const bool pipelined = options_.decoding == DecodingMode::kPipelined;
  // Adaptive runs change gamma as they go: predict for the mean in force.
  const int gamma =
      pipelined && stats_.chunks > 0
          ? static_cast<int>(std::lround(static_cast<double>(stats_.gamma_sum) / stats_.chunks))
          : options_.draft_max;
  stats_.predicted_tokens_per_second =
      PredictedTokensPerSecond(stats_, pipelined, gamma, stats_.final_draft_ahead);
}

absl::Status SpeculativeClient::RunCloudAr() {
  while (!done_) {
    TANDEM_ASSIGN_OR_RETURN(v1::CloudMessage message, ReceiveMessage());
    if (!message.has_tokens()) {
      return absl::InternalError("expected Tokens from a cloud-only session");
    }
    TANDEM_ASSIGN_OR_RETURN(std::vector<int32_t> ids,
                            wire::DecodeIds(message.tokens().ids(), tokenizer_.vocab_size(), 64));
    for (int32_t id : ids) {
      if (!Commit(id)) break;
    }
    if (message.tokens().done() && !done_) {
      stats_.stop_reason = "eos";
      done_ = true;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Drafter>> SpeculativeClient::MakeDrafter() const {
  Drafter::Options draft_options;
  draft_options.sampling = options_.sampling;
  draft_options.seed = options_.seed;
  draft_options.proposal = options_.verification == v1::VERIFICATION_MODE_SPARSE_DRAFT
                               ? ProposalKind::kSparse
                               : ProposalKind::kDense;
  draft_options.sparse_top_k = options_.sparse_top_k;
  if (options_.decoding == DecodingMode::kPipelined) draft_options.runner_ups = options_.branches;
  draft_options.vocab_size = tokenizer_.vocab_size();
  // The cloud's context (Opened's: 0 before it, when the pipelined edge
  // makes its main-path drafter), and at least the budget's last token plus
  // the draft-ahead limit or a correction branch (root and drafts).
  const int64_t beyond_budget = std::max(options_.draft_ahead, options_.branch_length + 1);
  draft_options.capacity = std::min<int64_t>(
      draft_->config().max_position_embeddings,
      std::max<int64_t>(max_context_, prompt_length_ + options_.max_tokens + beyond_budget + 2));
  return Drafter::Create(*draft_, draft_options);
}

absl::Status SpeculativeClient::RunSync() {
  TANDEM_ASSIGN_OR_RETURN(drafter_, MakeDrafter());
  const int64_t capacity =
      std::min<int64_t>(draft_->config().max_position_embeddings,
                        std::max<int64_t>(max_context_, prompt_length_ + options_.max_tokens +
                                                            options_.draft_ahead + 2));
  std::vector<int32_t> unsent;  // committed tokens the cloud has not seen
  uint32_t seq = 0;
  while (!done_) {
    const int64_t room =
        std::min(max_context_, capacity) - static_cast<int64_t>(sequence_.size()) - 1;
    const int gamma =
        static_cast<int>(std::min<int64_t>({options_.draft_max, cloud_max_draft_,
                                            options_.max_tokens - stats_.generated_tokens, room}));
    if (gamma <= 0) {
      stats_.stop_reason = "context_full";
      break;
    }
    TANDEM_ASSIGN_OR_RETURN(std::vector<DraftedToken> drafted, drafter_->Propose(sequence_, gamma));
    wire::DraftChunk chunk = MakeDraftChunk(
        epoch_, seq++, static_cast<uint32_t>(sequence_.size() - unsent.size()), unsent, drafted);
    chunk.sent_at_us = NowMicros();
    v1::EdgeMessage message;
    wire::EncodeDraft(chunk, options_.verification, options_.sampling.greedy(),
                      options_.compression, message.mutable_draft());
    TANDEM_RETURN_IF_ERROR(SendMessage(std::move(message)));
    TANDEM_ASSIGN_OR_RETURN(wire::ChunkVerdict verdict, ReceiveVerdict());
    if (verdict.epoch != epoch_ || verdict.seq != chunk.seq ||
        verdict.n_accepted > drafted.size()) {
      return absl::InternalError(absl::StrCat("verdict for epoch ", verdict.epoch, " seq ",
                                              verdict.seq, " does not match the chunk sent"));
    }
    ++stats_.rounds;
    stats_.draft_tokens += gamma;
    stats_.sent_draft_tokens += gamma;
    CountPositions(static_cast<int>(verdict.n_accepted),
                   verdict.kind == wire::VerdictKind::kRejected);
    stats_.accepted_tokens += verdict.n_accepted;
    unsent.clear();
    for (uint32_t i = 0; i < verdict.n_accepted && !done_; ++i) Commit(drafted[i].id);
    if (done_) break;
    int32_t next;
    if (verdict.kind == wire::VerdictKind::kAllAccepted) {
      next = verdict.token;  // the bonus token
    } else {
      ++stats_.rejections;
      epoch_ = verdict.epoch + 1;
      TANDEM_ASSIGN_OR_RETURN(next, ResolveCorrection(verdict, drafted[verdict.n_accepted],
                                                      static_cast<int64_t>(sequence_.size())));
    }
    if (next < 0) return absl::InternalError("the verdict carries no token to commit");
    if (Commit(next)) unsent = {next};
  }
  return absl::OkStatus();
}

absl::StatusOr<int32_t> SpeculativeClient::ResolveCorrection(const wire::ChunkVerdict& verdict,
                                                             const DraftedToken& rejected,
                                                             int64_t position) {
  if (options_.sampling.greedy() || options_.verification == v1::VERIFICATION_MODE_SPARSE_DRAFT) {
    return verdict.token;  // chosen by the cloud
  }
  if (options_.verification == v1::VERIFICATION_MODE_TOPK) {
    if (verdict.top_k.empty()) return absl::InternalError("topk verdict without top-K");
    return spec::RejectionSampler::SampleTopKResidual(
        verdict.top_k, rejected.q_masses, rng_.Uniform(position, RngPurpose::kResidualDirect));
  }
  return ResolveExact(verdict, rejected, position);
}

absl::StatusOr<int32_t> SpeculativeClient::ResolveExact(wire::ChunkVerdict verdict,
                                                        const DraftedToken& rejected,
                                                        int64_t position) {
  // Rejection sampling of the residual norm(max(0, p - q~)) with proposal p:
  // the cloud draws y_i ~ p; the edge accepts y_i with probability
  // max(0, 1 - q~(y_i) / p(y_i)). Batches continue the draw numbering.
  for (int round = 0;; ++round) {
    if (!verdict.dense_p.empty()) {
      return spec::RejectionSampler::SampleResidualDense(
          verdict.dense_p, rejected.q_masses, rng_.Uniform(position, RngPurpose::kResidualDirect));
    }
    std::vector<double> uniforms;
    for (size_t i = 0; i < verdict.candidates.size(); ++i) {
      uniforms.push_back(rng_.Uniform(position, RngPurpose::kResidualAccept,
                                      verdict.first_draw + static_cast<uint32_t>(i)));
    }
    const std::optional<size_t> chosen =
        spec::RejectionSampler::ResolveCandidates(verdict.candidates, rejected.q_masses, uniforms);
    if (chosen) return verdict.candidates[*chosen].id;
    ++stats_.resample_requests;
    v1::EdgeMessage message;
    v1::Resample* resample = message.mutable_resample();
    resample->set_epoch(epoch_);
    resample->set_position(static_cast<uint32_t>(position));
    resample->set_first_draw(verdict.first_draw + static_cast<uint32_t>(verdict.candidates.size()));
    resample->set_count(static_cast<uint32_t>(options_.residual_candidates));
    resample->set_dense(round + 1 >= options_.max_resample_rounds);
    TANDEM_RETURN_IF_ERROR(SendMessage(std::move(message)));
    TANDEM_ASSIGN_OR_RETURN(verdict, ReceiveVerdict());
  }
}

}  // namespace tandem::edge

namespace tandem::edge {

bool SpeculativeClient::Branching() const {
  if (options_.branches == 0 || !cloud_accepts_branches_) return false;
  // The branch's root must be the correction the cloud itself chooses.
  return options_.sampling.greedy() || options_.verification == v1::VERIFICATION_MODE_SPARSE_DRAFT;
}

double SpeculativeClient::BranchTokenMicros() const {
  return stats_.branch_draft_tokens > 0 ? stats_.branch_token_seconds() * 1e6 : draft_us_ewma_;
}

bool SpeculativeClient::CloudHasTimeForBranch(const PipelineState& state) const {
  if (!options_.early_branches || draft_us_ewma_ <= 0 || service_us_ewma_ <= 0) return false;
  const double needed_us = (options_.branch_length + 1) * BranchTokenMicros() +
                           state.options().chunk_tokens * draft_us_ewma_;
  const int64_t busy_until = state.CloudBusyUntilUs(static_cast<int64_t>(service_us_ewma_));
  return static_cast<double>(busy_until - NowMicros()) >= needed_us;
}

absl::StatusOr<bool> SpeculativeClient::GrowBranch(PipelineState& state,
                                                   VerdictReceiver& receiver) {
  // Acceptance so far (a prior of 0.7 until ten tokens were judged).
  const double alpha = stats_.draft_tokens >= 10 ? static_cast<double>(stats_.accepted_tokens) /
                                                       static_cast<double>(stats_.draft_tokens)
                                                 : 0.7;
  // RTT: the running mean of the verdicts' samples (the Open exchange's
  // before any).
  const absl::Duration rtt =
      stats_.rtt_samples > 0 ? stats_.rtt_total / stats_.rtt_samples : open_rtt_;
  std::optional<BranchTarget> target =
      state.NextBranchTarget(options_.branches, alpha, options_.branch_min_score, NowMicros(),
                             absl::ToInt64Microseconds(rtt));
  if (!target) return false;
  // Branches are speculative traffic: only into an uplink measured to have
  // room for one more (the last branch's size) within the target, and worth
  // its bytes where the uplink is the bottleneck (edge/branch_gate.h).
  const BranchGatePolicy gate{options_.BranchQueueTarget(),
                              options_.branches_before_uplink_measured,
                              options_.assumed_uplink_kbps * 1000 / 8};
  if (HoldBranchForUplink(
          gate, uplink_queue_,
          {target->score, last_branch_bytes_, rtt, static_cast<int>(stats_.branches_sent)},
          NowMicros())) {
    ++stats_.branches_held;
    if (!uplink_queue_.measured()) ++stats_.branches_held_unmeasured;
    return false;
  }
  // Drafts up to the last position that can be committed (the token
  // budget's, within the cloud's context), at most cloud_max_draft_.
  const int64_t length = std::min<int64_t>(
      {options_.branch_length, cloud_max_draft_,
       state.options().end_position - 1 - static_cast<int64_t>(target->position)});
  if (length <= 0) return false;
  const absl::Time start = absl::Now();
  std::vector<DraftedToken> drafted;
  std::vector<int32_t> sequence = target->sequence;
  while (static_cast<int64_t>(drafted.size()) < length) {
    // A verdict changes what is in flight: apply it first. The branch
    // drafter's cache keeps the tokens drafted so far for a retry.
    std::optional<absl::StatusOr<v1::CloudMessage>> message = receiver.TryPop();
    if (message) {
      stats_.branch_draft_time += absl::Now() - start;
      TANDEM_RETURN_IF_ERROR(message->status());
      TANDEM_RETURN_IF_ERROR(ApplyPipelined(**message, state));
      return true;
    }
    TANDEM_ASSIGN_OR_RETURN(std::vector<DraftedToken> next, branch_drafter_->Propose(sequence, 1));
    sequence.push_back(next.front().id);
    drafted.push_back(std::move(next.front()));
  }
  stats_.branch_draft_time += absl::Now() - start;
  ++stats_.branches_sent;
  if (stats_.rtt_samples == 0) ++stats_.branches_before_first_verdict;
  stats_.branch_draft_tokens += length;
  wire::DraftChunk chunk = state.TakeBranch(*target, std::move(drafted), NowMicros());
  v1::EdgeMessage message;
  wire::EncodeDraft(chunk, options_.verification, options_.sampling.greedy(), options_.compression,
                    message.mutable_draft());
  const int64_t sent_before = stats_.uplink_framed_bytes;
  TANDEM_RETURN_IF_ERROR(SendMessage(std::move(message)));
  last_branch_bytes_ = stats_.uplink_framed_bytes - sent_before;  // SendMessage measured it
  return true;
}

PipelineOptions SpeculativeClient::OptionsBeforeOpened() const {
  // The cloud's chunk limit is unknown until Opened: no chunk longer than
  // every cloud takes. The adaptive edge starts where its controller will:
  // the last choice over this link, or the initial chunk and D.
  PipelineOptions options;
  options.chunk_tokens = std::min(options_.draft_max, wire::kGuaranteedDraftTokens);
  options.draft_ahead = options_.draft_ahead;
  if (options_.adaptive) {
    const bool remembered = link_memory_ != nullptr && link_memory_->controller.has_value();
    options.chunk_tokens =
        std::min(options.chunk_tokens,
                 remembered ? link_memory_->controller->current().gamma : kInitialChunkTokens);
    options.draft_ahead =
        std::min(options.draft_ahead, remembered ? link_memory_->controller->current().draft_ahead
                                                 : 2 * options.chunk_tokens);
  }
  options.chunk_tokens = std::max(1, options.chunk_tokens);
  options.min_chunk = options.chunk_tokens;  // full chunks: the cloud is busy with its prefill
  options.draft_ahead = std::max(options.draft_ahead, options.chunk_tokens);
  return options;
}

absl::StatusOr<bool> SpeculativeClient::SendChunksBeforeOpened(PipelineState& state,
                                                               std::vector<double>& draft_seconds) {
  // Within the token budget and the draft model's context (the target's
  // comes with Opened; a cloud whose context is shorter than the prompt plus
  // these drafts refuses them with an error naming the context).
  auto can_draft = [&] {
    const int64_t room = static_cast<int64_t>(draft_->config().max_position_embeddings) -
                         static_cast<int64_t>(sequence_.size()) - state.ahead() - 2;
    return state.CanDraft() && options_.max_tokens - state.ahead() > 0 && room > 0;
  };
  bool cut = false;
  while (!cut && can_draft()) {
    const absl::Time draft_start = absl::Now();
    TANDEM_ASSIGN_OR_RETURN(std::vector<DraftedToken> drafted,
                            drafter_->Propose(state.SpeculativeSequence(), 1));
    const absl::Duration took = absl::Now() - draft_start;
    UpdateEwma(absl::ToDoubleMicroseconds(took), draft_us_ewma_);
    draft_seconds.push_back(absl::ToDoubleSeconds(took));
    if (drafted.front().confidence < options_.draft_p_min) {
      cut = true;  // likely rejected: send it now, draft on after the verdict
      ++stats_.confidence_cuts;
    }
    state.AddDrafted(std::move(drafted.front()));
    if (state.ShouldSend(/*no_more_drafts=*/cut || !can_draft())) {
      TANDEM_RETURN_IF_ERROR(SendChunk(state));
    }
  }
  return cut;
}

absl::Status SpeculativeClient::SendChunk(PipelineState& state) {
  stats_.in_flight_sum += state.in_flight_chunks();
  stats_.gamma_sum += state.options().chunk_tokens;
  wire::DraftChunk chunk = state.TakeChunk(NowMicros());
  stats_.sent_draft_tokens += static_cast<int64_t>(chunk.n_draft());
  ++stats_.chunks;
  const absl::Time send_start = absl::Now();
  v1::EdgeMessage message;
  wire::EncodeDraft(chunk, options_.verification, options_.sampling.greedy(), options_.compression,
                    message.mutable_draft());
  const int64_t framed_before = stats_.uplink_framed_bytes;
  const absl::Status status = SendMessage(std::move(message));
  chunk_overhead_ += absl::Now() - send_start;
  if (controller_) {
    controller_->ObserveChunkBytes(static_cast<int>(chunk.n_draft()),
                                   static_cast<double>(stats_.uplink_framed_bytes - framed_before));
  }
  return status;
}

absl::Status SpeculativeClient::RunPipelined() {
  // The main path's drafter, sized from the budget (Opened's context comes
  // later); the branch drafter waits for Opened (below).
  TANDEM_ASSIGN_OR_RETURN(drafter_, MakeDrafter());
  branch_drafter_.reset();
  VerdictReceiver receiver(transport_);
  receiver_ = &receiver;
  // The first chunks go right behind Open: the cloud verifies them as soon
  // as its prefill is done, a round trip sooner than if the edge waited for
  // Opened (docs/protocol.md, "The first chunks ride behind Open"). Branches
  // wait for Opened.accepts_branches.
  PipelineState state(OptionsBeforeOpened(), sequence_);
  std::vector<double> first_draft_seconds;
  absl::StatusOr<bool> first_cut =
      options_.send_before_opened ? SendChunksBeforeOpened(state, first_draft_seconds) : false;
  stats_.chunks_before_opened = stats_.chunks;
  stats_.drafts_before_opened = stats_.sent_draft_tokens;
  // Opened, or the cloud's reason for refusing Open: that also explains a
  // chunk that the closed stream refused.
  absl::Status status = AwaitOpened();
  if (status.ok()) status = first_cut.status();
  if (status.ok() && options_.branches > 0) {
    // Branches draft up to the budget's end within the cloud's context
    // (PipelineOptions::end_position, from Opened's): made once that is
    // known, like the bound itself.
    absl::StatusOr<std::unique_ptr<Drafter>> branch_drafter = MakeDrafter();
    status = branch_drafter.status();
    if (status.ok()) branch_drafter_ = *std::move(branch_drafter);
  }
  if (!status.ok()) {
    transport_.Cancel();  // ends the stream: the receiver thread returns
    receiver_ = nullptr;
    return status;
  }
  PipelineOptions pipeline;
  pipeline.chunk_tokens = std::min<int>(options_.draft_max, static_cast<int>(cloud_max_draft_));
  pipeline.min_chunk = std::min(options_.draft_min, pipeline.chunk_tokens);
  pipeline.draft_ahead = options_.draft_ahead;
  pipeline.end_position = std::min(prompt_length_ + options_.max_tokens, max_context_ - 2);
  controller_.reset();
  if (options_.adaptive) {
    spec::ControllerOptions controller;
    controller.min_gamma = pipeline.min_chunk;
    controller.max_gamma = pipeline.chunk_tokens;
    controller.max_draft_ahead = pipeline.draft_ahead;
    controller.initial_gamma = std::min(pipeline.chunk_tokens, kInitialChunkTokens);
    controller.initial_draft_ahead = 2 * controller.initial_gamma;
    pipeline.chunk_tokens = std::max(controller.initial_gamma, pipeline.min_chunk);
    pipeline.draft_ahead = std::min(
        pipeline.draft_ahead, std::max(controller.initial_draft_ahead, pipeline.chunk_tokens));
    controller.warmup_verdicts = 0;  // priors below; decide before the first chunk
    if (link_memory_ != nullptr && link_memory_->controller) {
      // Earlier generations over this link measured the channel: start
      // from their estimates and their last choice.
      controller_ = std::make_unique<spec::DraftLengthController>(
          link_memory_->controller->ForNewSession(controller));
      pipeline.chunk_tokens = controller_->current().gamma;
      pipeline.draft_ahead = controller_->current().draft_ahead;
    } else {
      controller_ = std::make_unique<spec::DraftLengthController>(controller);
      // Priors until verdicts arrive: the cloud's own measure of a chunk's
      // cost; from a cloud without one, the prefill's time (an upper bound).
      if (!CloudMeasuredVerifyCost()) {
        controller_->ObserveVerify(pipeline.chunk_tokens, absl::ToDoubleSeconds(open_prefill_));
      }
    }
    if (CloudMeasuredVerifyCost()) {
      controller_->ObserveCloudVerifyCost(stats_.cloud_verify_fixed_ms * 1e-3,
                                          stats_.cloud_verify_per_token_ms * 1e-3);
    }
    controller_->ObserveOpenRtt(absl::ToDoubleSeconds(open_rtt_));
    for (const double seconds : first_draft_seconds) controller_->ObserveDraftTime(seconds);
  }
  state.set_options(pipeline);
  bool decided = false;      // the first decision waits for the next draft time
  bool paused = *first_cut;  // a low-confidence draft: wait for the next verdict
  while (!done_ && status.ok()) {
    // Apply whatever verdicts have arrived, without waiting.
    while (!done_ && status.ok()) {
      std::optional<absl::StatusOr<v1::CloudMessage>> message = receiver.TryPop();
      if (!message) break;
      status = message->ok() ? ApplyPipelined(**message, state) : message->status();
    }
    if (done_ || !status.ok()) break;
    // Draft one more token if the budget allows: never beyond what could
    // still be committed, the draft-ahead limit D, or the context.
    const int64_t budget = options_.max_tokens - stats_.generated_tokens - state.ahead();
    const int64_t room =
        max_context_ - static_cast<int64_t>(state.committed().size()) - state.ahead() - 2;
    const bool can_draft = !paused && state.CanDraft() && budget > 0 && room > 0;
    // Between chunks, while the cloud has work for longer than a branch
    // takes: the freshest chunk's branches first, the next chunk after.
    if (can_draft && state.open_chunk_size() == 0 && branch_drafter_ != nullptr && Branching() &&
        CloudHasTimeForBranch(state)) {
      absl::StatusOr<bool> grew = GrowBranch(state, receiver);
      status = grew.status();
      if (!grew.ok() || *grew) continue;  // an error ends the loop
    }
    if (can_draft) {
      const absl::Time draft_start = absl::Now();
      absl::StatusOr<std::vector<DraftedToken>> drafted =
          drafter_->Propose(state.SpeculativeSequence(), 1);
      if (!drafted.ok()) {
        status = drafted.status();
        break;
      }
      UpdateEwma(absl::ToDoubleMicroseconds(absl::Now() - draft_start), draft_us_ewma_);
      if (controller_) {
        controller_->ObserveDraftTime(absl::ToDoubleSeconds(absl::Now() - draft_start));
        if (!decided) {
          decided = true;
          ApplyControllerDecision(state);
        }
      }
      if (drafted->front().confidence < options_.draft_p_min) {
        paused = true;  // likely rejected: send it now, draft on after the verdict
        ++stats_.confidence_cuts;
      }
      state.AddDrafted(std::move(drafted->front()));
    }
    const bool more_drafts =
        !paused && state.CanDraft() && budget - (can_draft ? 1 : 0) > 0 && room > 1;
    if (state.ShouldSend(/*no_more_drafts=*/!more_drafts)) {
      status = SendChunk(state);
      continue;
    }
    if (!can_draft) {
      if (state.in_flight_chunks() == 0) {
        if (paused) {
          paused = false;
          continue;
        }
        stats_.stop_reason = "context_full";
        break;
      }
      // At the draft-ahead limit, paused, or out of budget: grow a correction
      // branch for a token in flight, or wait for a verdict.
      if (branch_drafter_ != nullptr && Branching()) {
        absl::StatusOr<bool> grew = GrowBranch(state, receiver);
        status = grew.status();
        if (!grew.ok() || *grew) continue;  // an error ends the loop
      }
      absl::StatusOr<v1::CloudMessage> message = receiver.Pop(&stats_.edge_wait_time);
      status = message.ok() ? ApplyPipelined(*message, state) : message.status();
      paused = false;
    }
  }
  if (controller_) {
    const spec::ChannelEstimates& e = controller_->estimates();
    stats_.est_alpha = e.alpha;
    stats_.est_branch_hit = e.branch_hit;
    stats_.est_rtt_ms = e.rtt * 1e3;
    stats_.est_t_draft_ms = e.t_draft * 1e3;
    stats_.est_t_verify_ms = e.t_verify(state.options().chunk_tokens) * 1e3;
    stats_.est_t_verify_per_token_ms = e.t_verify_per_token * 1e3;
  }
  stats_.final_gamma = state.options().chunk_tokens;
  stats_.final_draft_ahead = state.options().draft_ahead;
  if (status.ok()) {
    v1::EdgeMessage close;
    close.mutable_close();
    SendMessage(std::move(close)).IgnoreError();  // the session is over either way
    transport_.CloseSend();
  } else {
    transport_.Cancel();
  }
  // The receiver thread ends with the stream; join it before returning.
  receiver_ = nullptr;
  return status;
}

void SpeculativeClient::ApplyControllerDecision(PipelineState& state) {
  // The model credits the branches the edge grows unpriced; where the uplink
  // gate prices them (a measured bottleneck) it does not see which go.
  const bool branching = branch_drafter_ != nullptr && Branching();
  const bool priced = options_.BranchQueueTarget() != absl::InfiniteDuration() &&
                      uplink_queue_.bottleneck_bytes_per_s() > 0;
  controller_->ObserveBranching(branching && !priced ? options_.branch_length : 0,
                                BranchTokenMicros() * 1e-6);
  const spec::DraftDecision decision = controller_->Decide();
  PipelineOptions adjusted = state.options();
  adjusted.chunk_tokens = decision.gamma;
  // The model behind the decision assumes full chunks; cutting them short
  // whenever the cloud idles would add per-chunk costs it did not weigh.
  adjusted.min_chunk = decision.gamma;
  // The model's D counts the main path's unverified tokens from an empty
  // pipeline after each rejection; here a taken branch's tokens also count
  // until their verdict arrives, so D leaves room for one, in whole chunks
  // (within the --draft-ahead bound).
  const int branch_room = branch_drafter_ != nullptr && Branching() ? options_.branch_length : 0;
  adjusted.draft_ahead = spec::DraftAheadWithBranchRoom(decision.gamma, decision.draft_ahead,
                                                        branch_room, options_.draft_ahead);
  if (adjusted.chunk_tokens != state.options().chunk_tokens ||
      adjusted.draft_ahead != state.options().draft_ahead || stats_.gamma_trace.empty()) {
    stats_.gamma_trace.push_back(
        {absl::Now() - start_, adjusted.chunk_tokens, adjusted.draft_ahead});
  }
  state.set_options(adjusted);
}

void SpeculativeClient::TraceVerdict(const PipelineState& state,
                                     const PipelineState::Outcome& outcome,
                                     const wire::ChunkVerdict& verdict) const {
  const absl::Time now = absl::Now();
  VerdictTraceRecord record;
  record.unix_us = absl::ToUnixMicros(now);
  record.since_start_ms = absl::ToDoubleMilliseconds(now - start_);
  record.branch = outcome.branch;
  record.committed = static_cast<int>(outcome.committed.size());
  record.rejected = outcome.rejected.has_value();
  record.gamma = state.options().chunk_tokens;
  record.draft_ahead = state.options().draft_ahead;
  record.rtt_ms = absl::ToDoubleMilliseconds(last_rtt_);
  record.verify_ms = static_cast<double>(verdict.verify_us) * 1e-3;
  record.uplink_queueing_ms = static_cast<double>(uplink_queue_.QueueingUs(
                                  verdict.echo_sent_at_us, verdict.received_at_us)) *
                              1e-3;
  record.uplink_capacity_kbps = uplink_queue_.capacity_bytes_per_s() * 8e-3;
  record.uplink_bottleneck_kbps = uplink_queue_.bottleneck_bytes_per_s() * 8e-3;
  record.uplink_queue_jumped = uplink_queue_.queue_jumped();
  if (controller_) {
    const spec::ChannelEstimates& e = controller_->estimates();
    record.est_alpha = e.alpha;
    record.est_rtt_ms = e.rtt * 1e3;
    record.est_t_draft_ms = e.t_draft * 1e3;
    record.est_t_verify_ms = e.t_verify(record.gamma) * 1e3;
  }
  record.branches_sent = stats_.branches_sent;
  record.branches_held = stats_.branches_held;
  options_.on_verdict(record);
}

absl::Status SpeculativeClient::ApplyPipelined(const v1::CloudMessage& received,
                                               PipelineState& state) {
  const absl::Time apply_start = absl::Now();
  TANDEM_ASSIGN_OR_RETURN(v1::CloudMessage message, Received(received));
  TANDEM_ASSIGN_OR_RETURN(wire::ChunkVerdict verdict, DecodeVerdictMessage(message));
  TANDEM_ASSIGN_OR_RETURN(PipelineState::Outcome outcome, state.Apply(verdict));
  if (outcome.stale) {
    ++stats_.stale_verdicts;
    return absl::OkStatus();
  }
  ++stats_.rounds;
  stats_.draft_tokens += outcome.verified_drafts;
  if (!outcome.branch) {
    UpdateEwma(static_cast<double>(CloudServiceMicros(verdict)), service_us_ewma_);
  }
  CountPositions(static_cast<int>(outcome.committed.size()), outcome.rejected.has_value());
  // The controller models the chunks its gamma and D shape: a branch's
  // verdict (its size, its acceptance after a surprising root, the cloud's
  // time on it) says nothing about those.
  if (controller_ && !outcome.branch) {
    // Edge work for this chunk besides drafting: its send (accumulated since
    // the last verdict, spread over the chunks sent) and this verdict.
    chunk_overhead_ += absl::Now() - apply_start;
    controller_->ObserveChunkOverhead(
        absl::ToDoubleSeconds(chunk_overhead_) /
        std::max<int64_t>(1, stats_.chunks - chunks_at_last_verdict_));
    chunk_overhead_ = absl::ZeroDuration();
    chunks_at_last_verdict_ = stats_.chunks;
    controller_->ObserveVerdict(static_cast<int>(outcome.committed.size()),
                                outcome.rejected.has_value());
    controller_->ObserveVerify(static_cast<int>(outcome.verified_drafts),
                               CloudServiceMicros(verdict) * 1e-6);
    // On a bottleneck uplink the model adds the chunks' time on the link
    // itself: the round trip it is given leaves out this chunk's queueing.
    const double bottleneck = uplink_queue_.bottleneck_bytes_per_s();
    controller_->ObserveUplinkBottleneck(bottleneck);
    if (last_rtt_ > absl::ZeroDuration()) {
      // This chunk's own queueing (the latest delivery may be a receipt's).
      const absl::Duration queueing = bottleneck > 0 && verdict.received_at_us > 0
                                          ? absl::Microseconds(uplink_queue_.QueueingUs(
                                                verdict.echo_sent_at_us, verdict.received_at_us))
                                          : absl::ZeroDuration();
      controller_->ObserveRtt(
          absl::ToDoubleSeconds(std::max(last_rtt_ - queueing, absl::ZeroDuration())));
    }
    // Re-decide on every verdict at first, then on every 4th: the estimates
    // move slowly and a decision costs ~0.05 ms of edge time.
    if (stats_.rounds <= 8 || stats_.rounds % 4 == 0) ApplyControllerDecision(state);
  }
  if (options_.on_verdict) TraceVerdict(state, outcome, verdict);
  stats_.accepted_tokens += static_cast<int64_t>(outcome.committed.size());
  for (int32_t token : outcome.committed) {
    if (!Commit(token)) return absl::OkStatus();
  }
  if (!outcome.rejected) return absl::OkStatus();
  ++stats_.rejections;
  stats_.wasted_draft_tokens += outcome.wasted_tokens;
  epoch_ = state.epoch();
  TANDEM_ASSIGN_OR_RETURN(int32_t correction,
                          ResolveCorrection(verdict, *outcome.rejected, outcome.rejected_position));
  if (!outcome.branch) {
    const std::vector<int32_t>& runner_ups = outcome.rejected->runner_ups;
    const bool top_runner_up = !runner_ups.empty() && runner_ups.front() == correction;
    ++stats_.main_path_rejections;
    if (top_runner_up) ++stats_.corrections_top_runner_up;
    if (controller_) controller_->ObserveRejectionRoot(top_runner_up);
  }
  // True: the cloud verifies the branch sent for this correction next.
  if (state.CommitCorrection(correction)) ++stats_.branches_taken;
  Commit(correction);
  return absl::OkStatus();
}

}  // namespace tandem::edge
