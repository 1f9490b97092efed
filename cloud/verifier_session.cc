#include "cloud/verifier_session.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/base/status_macros.h"
#include "common/spec/categorical.h"
#include "common/spec/logits_warper.h"
#include "common/wire/message_codec.h"
#include "common/wire/packed_ids.h"
#include "common/wire/payload_size.h"
#include "common/wire/protocol_version.h"

namespace tandem::cloud {
namespace {

namespace v1 = ::tandem::v1;
using spec::RngPurpose;

absl::StatusOr<spec::SamplingParams> ToSamplingParams(const v1::SamplingParams& s) {
  spec::SamplingParams params;
  params.temperature = s.temperature();
  params.top_k = s.top_k();
  params.top_p = s.top_p() == 0.0f ? 1.0 : s.top_p();
  params.min_p = s.min_p();
  TANDEM_RETURN_IF_ERROR(params.Validate());
  return params;
}

int64_t MicrosSince(absl::Time start) { return absl::ToInt64Microseconds(absl::Now() - start); }

}  // namespace

VerifierSession::VerifierSession(uint64_t session_id, const model::LlamaModel& target,
                                 TargetIdentity identity, SessionLimits limits,
                                 wire::CompressionPolicy compression)
    : session_id_(session_id),
      target_(target),
      identity_(std::move(identity)),
      limits_(limits),
      compression_(compression) {}

VerifierSession::~VerifierSession() = default;

int64_t VerifierSession::kv_bytes() const { return cache_ ? cache_->reserved_bytes() : 0; }

absl::Status VerifierSession::Handle(const v1::EdgeMessage& message, const Emit& emit,
                                     absl::Time received_at) {
  // Messages are handled in the order they arrived: the sum so far is what
  // the uplink had delivered when this one was received.
  uplink_bytes_received_ += static_cast<int64_t>(wire::MeasureWireBytes(message).framed);
  if (closed_) return absl::FailedPreconditionError("session already closed");
  if (!opened_ && message.kind_case() != v1::EdgeMessage::kOpen) {
    return absl::FailedPreconditionError("the first message of a session must be Open");
  }
  switch (message.kind_case()) {
    case v1::EdgeMessage::kOpen:
      if (opened_) return absl::FailedPreconditionError("Open sent twice on one session");
      return HandleOpen(message.open(), emit);
    case v1::EdgeMessage::kDraft:
      return HandleDraft(message.draft(), emit, received_at);
    case v1::EdgeMessage::kResample:
      return HandleResample(message.resample(), emit);
    case v1::EdgeMessage::kClose:
      closed_ = true;
      ar_active_ = false;
      cache_.reset();  // free the KV cache now, not when the stream ends
      return absl::OkStatus();
    case v1::EdgeMessage::KIND_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError(
      "EdgeMessage has no recognised kind (a newer edge? check protocol versions)");
}

absl::Status VerifierSession::CheckCompatible(const v1::ModelFingerprint& draft) const {
  std::vector<std::string> problems;
  if (static_cast<int32_t>(draft.vocab_size()) != identity_.tokenizer.vocab_size) {
    problems.push_back(absl::StrCat("vocabulary size ", draft.vocab_size(), " vs ",
                                    identity_.tokenizer.vocab_size));
  }
  if (draft.token_text_hash() != identity_.tokenizer.token_text_hash) {
    problems.push_back("token texts differ (tokenizer fingerprint mismatch)");
  }
  const int32_t draft_eos = draft.eos_ids_size() > 0 ? draft.eos_ids(0) : -1;
  if (draft_eos != identity_.tokenizer.eos_id) {
    problems.push_back(absl::StrCat("EOS id ", draft_eos, " vs ", identity_.tokenizer.eos_id));
  }
  if (draft.bos_id() != identity_.tokenizer.bos_id) {
    problems.push_back(absl::StrCat("BOS id ", draft.bos_id(), " vs ", identity_.tokenizer.bos_id));
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("the draft model's tokenizer does not match the target's (",
                   absl::StrJoin(problems, "; "), "): draft and target must share one tokenizer"));
}

absl::Status VerifierSession::HandleOpen(const v1::Open& open, const Emit& emit) {
  const absl::Time start = absl::Now();
  if (open.protocol_version() != wire::kProtocolVersion) {
    return absl::UnimplementedError(absl::StrCat(
        "protocol version ", open.protocol_version(), " is not supported; this cloud speaks ",
        wire::kProtocolVersion, ": upgrade the older side"));
  }
  TANDEM_RETURN_IF_ERROR(CheckCompatible(open.draft()));
  TANDEM_ASSIGN_OR_RETURN(sampling_, ToSamplingParams(open.sampling()));
  verification_ = open.verification() == v1::VERIFICATION_MODE_UNSPECIFIED
                      ? v1::VERIFICATION_MODE_EXACT
                      : open.verification();
  if (!v1::VerificationMode_IsValid(verification_)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown verification mode ", open.verification()));
  }
  decoding_ =
      open.decoding() == v1::DECODING_MODE_UNSPECIFIED ? v1::DECODING_MODE_SYNC : open.decoding();
  if (!v1::DecodingMode_IsValid(decoding_)) {
    return absl::InvalidArgumentError(absl::StrCat("unknown decoding mode ", open.decoding()));
  }
  rng_ = spec::CounterRng(open.seed());
  residual_candidates_ = open.residual_candidates() == 0 ? 8 : open.residual_candidates();
  top_k_return_ = open.top_k_return() == 0 ? 16 : open.top_k_return();
  if (residual_candidates_ > limits_.max_residual_candidates || top_k_return_ > limits_.max_top_k) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "residual_candidates ", residual_candidates_, " / top_k_return ", top_k_return_,
        " exceed this cloud's limits ", limits_.max_residual_candidates, " / ", limits_.max_top_k));
  }
  stop_at_eos_ = open.stop_at_eos();
  max_new_tokens_ = open.max_new_tokens() == 0 ? limits_.max_new_tokens : open.max_new_tokens();
  if (max_new_tokens_ > limits_.max_new_tokens) {
    return absl::ResourceExhaustedError(absl::StrCat("max_new_tokens ", max_new_tokens_,
                                                     " exceeds this cloud's limit ",
                                                     limits_.max_new_tokens));
  }
  if (open.prompt().count() > static_cast<uint64_t>(limits_.max_prompt_tokens)) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the prompt has ", open.prompt().count(), " tokens; this cloud accepts at most ",
        limits_.max_prompt_tokens, " (--max-prompt-tokens)"));
  }
  TANDEM_ASSIGN_OR_RETURN(tokens_, wire::DecodeIds(open.prompt(), identity_.tokenizer.vocab_size,
                                                   static_cast<size_t>(limits_.max_prompt_tokens)));
  if (tokens_.empty()) return absl::InvalidArgumentError("the prompt is empty");
  prompt_length_ = static_cast<int64_t>(tokens_.size());
  const int64_t context =
      std::min<int64_t>(target_.config().max_position_embeddings,
                        prompt_length_ + max_new_tokens_ + limits_.max_draft_tokens + 2);
  if (prompt_length_ >= context) {
    return absl::ResourceExhaustedError(absl::StrCat("the prompt has ", prompt_length_,
                                                     " tokens; the target's context is ",
                                                     target_.config().max_position_embeddings));
  }
  TANDEM_ASSIGN_OR_RETURN(cache_, target_.NewCache(context));
  TANDEM_ASSIGN_OR_RETURN(model::Logits logits,
                          target_.Forward(tokens_, *cache_, model::LogitRows::kLast));
  pending_p_ = TargetDistribution(logits.Row(0));
  opened_ = true;
  last_verdict_at_ = absl::Now();

  v1::CloudMessage reply;
  v1::Opened* opened = reply.mutable_opened();
  opened->set_session_id(session_id_);
  opened->mutable_target()->set_vocab_size(identity_.tokenizer.vocab_size);
  opened->mutable_target()->set_token_text_hash(identity_.tokenizer.token_text_hash);
  if (identity_.tokenizer.eos_id >= 0) {
    opened->mutable_target()->add_eos_ids(identity_.tokenizer.eos_id);
  }
  opened->mutable_target()->set_bos_id(identity_.tokenizer.bos_id);
  for (int32_t id : identity_.stop_ids) opened->add_stop_ids(id);
  opened->set_max_draft_tokens(static_cast<uint32_t>(limits_.max_draft_tokens));
  opened->set_max_context(static_cast<uint32_t>(context));
  opened->set_prefill_us(MicrosSince(start));
  opened->set_accepts_branches(true);
  opened->set_verify_fixed_ns(absl::ToInt64Nanoseconds(identity_.verify_cost.fixed));
  opened->set_verify_per_token_ns(absl::ToInt64Nanoseconds(identity_.verify_cost.per_token));
  emit(std::move(reply));
  ar_active_ = decoding_ == v1::DECODING_MODE_CLOUD_AR;
  return absl::OkStatus();
}

std::vector<float> VerifierSession::TargetDistribution(absl::Span<const float> row) const {
  // Padded vocabularies (Qwen: more embedding rows than tokens) differ
  // between draft and target; both sides warp over the tokenizer's ids only.
  return spec::WarpLogits(
      row.subspan(0, std::min<size_t>(row.size(), identity_.tokenizer.vocab_size)), sampling_);
}

int32_t VerifierSession::SampleTarget(int64_t position, const std::vector<float>& p) const {
  if (sampling_.greedy()) return spec::Argmax(p);
  return spec::SampleCategorical(p, rng_.Uniform(position, RngPurpose::kTargetSample));
}

absl::StatusOr<bool> VerifierSession::StepAutoregressive(const Emit& emit) {
  if (!ar_active_) return false;
  const absl::Time start = absl::Now();
  const int64_t position = static_cast<int64_t>(tokens_.size());
  const int32_t token = SampleTarget(position, *pending_p_);
  const bool is_eos = std::find(identity_.stop_ids.begin(), identity_.stop_ids.end(), token) !=
                      identity_.stop_ids.end();
  const bool stop_now = stop_at_eos_ && is_eos;
  v1::CloudMessage reply;
  v1::Tokens* tokens = reply.mutable_tokens();
  tokens->set_base_position(static_cast<uint32_t>(position));
  if (!stop_now) {
    wire::EncodeIds({token}, compression_, tokens->mutable_ids());
    tokens_.push_back(token);
  }
  const bool done = stop_now || position + 1 - prompt_length_ >= max_new_tokens_ ||
                    static_cast<int64_t>(tokens_.size()) >= cache_->capacity();
  if (!done) {
    TANDEM_ASSIGN_OR_RETURN(model::Logits logits,
                            target_.Forward({token}, *cache_, model::LogitRows::kLast));
    pending_p_ = TargetDistribution(logits.Row(0));
  }
  tokens->set_done(done);
  tokens->set_compute_us(MicrosSince(start));
  ar_active_ = !done;
  if (!emit(std::move(reply))) ar_active_ = false;
  return ar_active_;
}

absl::Status VerifierSession::HandleDraft(const v1::Draft& draft, const Emit& emit,
                                          absl::Time received_at) {
  const absl::Time start = absl::Now();
  if (decoding_ == v1::DECODING_MODE_CLOUD_AR) {
    return absl::FailedPreconditionError("Draft sent on a cloud-only (AR) session");
  }
  if (static_cast<int64_t>(draft.seq()) != last_seq_ + 1) {
    return absl::AbortedError(absl::StrCat("chunk seq ", draft.seq(), " follows seq ", last_seq_,
                                           ": a chunk was lost or reordered; reopen the session"));
  }
  last_seq_ = draft.seq();
  if (draft.epoch() < epoch_) {
    return DropWithReceipt(draft, received_at);  // stale: drafted past a rejection
  }
  if (draft.branch()) {
    if (decoding_ != v1::DECODING_MODE_PIPELINED) {
      return absl::InvalidArgumentError(
          "correction branches need pipelined decoding (Open.decoding = PIPELINED)");
    }
    // Taken only in the state it was drafted for: right after a rejection at
    // base_position in chunk parent_seq whose correction (chosen here) is its
    // first token.
    const bool applies = draft.epoch() == epoch_ && expected_prefix_.has_value() &&
                         rejected_seq_.has_value() && draft.parent_seq() == *rejected_seq_ &&
                         draft.base_position() == tokens_.size();
    if (!applies) return DropWithReceipt(draft, received_at);
  } else if (draft.epoch() > epoch_) {
    return absl::AbortedError(
        absl::StrCat("chunk epoch ", draft.epoch(), " is ahead of the cloud's epoch ", epoch_));
  }
  TANDEM_ASSIGN_OR_RETURN(wire::DraftChunk chunk,
                          wire::DecodeDraft(draft, identity_.tokenizer.vocab_size,
                                            static_cast<size_t>(limits_.max_draft_tokens) + 2,
                                            verification_, sampling_.greedy()));
  if (chunk.n_draft() > static_cast<size_t>(limits_.max_draft_tokens)) {
    return absl::ResourceExhaustedError(
        absl::StrCat("chunk has ", chunk.n_draft(), " draft tokens; this cloud's limit is ",
                     limits_.max_draft_tokens, " (--max-draft-tokens)"));
  }
  if (chunk.base_position != tokens_.size()) {
    return absl::AbortedError(absl::StrCat("chunk starts at position ", chunk.base_position,
                                           " but the cloud has verified ", tokens_.size(),
                                           " tokens"));
  }
  if (chunk.branch && chunk.tokens[0] != *expected_prefix_) {
    return DropWithReceipt(draft, received_at);  // a branch for another correction
  }
  if (expected_prefix_ && (chunk.n_prefix == 0 || chunk.tokens[0] != *expected_prefix_)) {
    return absl::InvalidArgumentError(absl::StrCat("the chunk must start with the committed token ",
                                                   *expected_prefix_, " chosen by the cloud"));
  }
  if (chunk.n_prefix == 0 && !pending_p_) {
    return absl::FailedPreconditionError(
        "the chunk has no committed prefix but the cloud has no distribution for its first "
        "token: after a rejection or bonus, resend the resolved token first");
  }
  if (static_cast<int64_t>(tokens_.size() + chunk.tokens.size()) > cache_->capacity()) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the sequence would reach ", tokens_.size() + chunk.tokens.size(),
                     " tokens; this session's context is ", cache_->capacity()));
  }
  if (chunk.tokens.empty()) return absl::InvalidArgumentError("empty chunk");
  if (rejected_position_ >= 0 && chunk.n_prefix > 0 && !rejected_p_.empty()) {
    // The correction the edge resolved; p there must have been positive.
    if (rejected_p_[chunk.tokens[0]] <= 0.0f) {
      return absl::InvalidArgumentError(
          absl::StrCat("correction token ", chunk.tokens[0], " has zero target probability"));
    }
  }
  expected_prefix_.reset();
  rejected_position_ = -1;
  rejected_p_.clear();

  TANDEM_ASSIGN_OR_RETURN(model::Logits logits, target_.Forward(chunk.tokens, *cache_));
  tokens_.insert(tokens_.end(), chunk.tokens.begin(), chunk.tokens.end());
  TANDEM_ASSIGN_OR_RETURN(wire::ChunkVerdict verdict, Verify(chunk, logits));
  rejected_seq_.reset();
  if (verdict.kind == wire::VerdictKind::kRejected) rejected_seq_ = chunk.seq;
  verdict.verify_us = MicrosSince(start);
  verdict.queue_us = std::max<int64_t>(0, absl::ToInt64Microseconds(start - received_at));
  verdict.echo_sent_at_us = chunk.sent_at_us;
  verdict.received_at_us = absl::ToUnixMicros(received_at);
  verdict.uplink_bytes_received = uplink_bytes_received_;
  if (last_verdict_at_) {
    verdict.cloud_idle_us =
        std::max<int64_t>(0, absl::ToInt64Microseconds(start - *last_verdict_at_));
  }
  verdict.receipts = std::move(pending_receipts_);
  pending_receipts_.clear();
  last_verdict_at_ = absl::Now();
  Send(verdict, emit);
  return absl::OkStatus();
}

absl::Status VerifierSession::DropWithReceipt(const v1::Draft& draft, absl::Time received_at) {
  if (pending_receipts_.size() >= wire::kMaxReceipts) {
    pending_receipts_.erase(pending_receipts_.begin());
  }
  pending_receipts_.push_back(
      {draft.sent_at_us(), absl::ToUnixMicros(received_at), uplink_bytes_received_});
  return absl::OkStatus();
}

absl::StatusOr<wire::ChunkVerdict> VerifierSession::Verify(const wire::DraftChunk& chunk,
                                                           const model::Logits& logits) {
  wire::ChunkVerdict verdict;
  verdict.epoch = chunk.epoch;
  verdict.seq = chunk.seq;
  const size_t n_prefix = chunk.n_prefix;
  for (size_t i = 0; i < chunk.n_draft(); ++i) {
    const size_t index = n_prefix + i;  // in chunk.tokens
    const int64_t position = chunk.base_position + static_cast<int64_t>(index);
    // Row r of the forward predicts position base + r + 1.
    std::vector<float> p =
        index == 0 ? std::move(*pending_p_) : TargetDistribution(logits.Row(index - 1));
    const int32_t x = chunk.tokens[index];
    bool accepted;
    if (sampling_.greedy()) {
      accepted = spec::Argmax(p) == x;
    } else {
      const uint32_t q_mass = verification_ == v1::VERIFICATION_MODE_SPARSE_DRAFT
                                  ? chunk.sparse_q[i].MassOf(x)
                                  : chunk.q_masses[i];
      if (q_mass == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("draft token ", x, " at position ", position,
                         " has zero mass in its own draft distribution"));
      }
      accepted =
          spec::RejectionSampler::Accept(p[x], q_mass / static_cast<double>(spec::kFixed16One),
                                         rng_.Uniform(position, RngPurpose::kAcceptTest));
    }
    if (!accepted) {
      // Roll back to the rejected position: O(1) in the KV cache.
      TANDEM_RETURN_IF_ERROR(cache_->Truncate(position));
      tokens_.resize(position);
      pending_p_.reset();
      ++epoch_;
      verdict.n_accepted = static_cast<uint32_t>(i);
      verdict.kind = wire::VerdictKind::kRejected;
      FillRejection(position, p, chunk, i, verdict);
      return verdict;
    }
    pending_p_.reset();
  }
  verdict.n_accepted = static_cast<uint32_t>(chunk.n_draft());
  verdict.kind = wire::VerdictKind::kAllAccepted;
  std::vector<float> next_p = TargetDistribution(logits.Row(logits.n_rows - 1));
  if (decoding_ == v1::DECODING_MODE_SYNC) {
    // Classic SD: the bonus token from the distribution after the last draft.
    verdict.token = SampleTarget(static_cast<int64_t>(tokens_.size()), next_p);
    expected_prefix_ = verdict.token;
  } else {
    pending_p_ = std::move(next_p);  // tests the next chunk's first token
  }
  return verdict;
}

void VerifierSession::FillRejection(int64_t position, const std::vector<float>& p,
                                    const wire::DraftChunk& chunk, size_t draft_index,
                                    wire::ChunkVerdict& verdict) {
  if (sampling_.greedy()) {
    verdict.token = spec::Argmax(p);
    expected_prefix_ = verdict.token;
    return;
  }
  switch (verification_) {
    case v1::VERIFICATION_MODE_SPARSE_DRAFT:
      verdict.token = spec::RejectionSampler::SampleResidual(
          p, chunk.sparse_q[draft_index], rng_.Uniform(position, RngPurpose::kResidualDirect));
      expected_prefix_ = verdict.token;
      return;
    case v1::VERIFICATION_MODE_TOPK: {
      double mass = 0;
      verdict.top_k = spec::RejectionSampler::TopK(p, static_cast<int>(top_k_return_), &mass);
      verdict.top_k_mass = static_cast<float>(mass);
      break;
    }
    default:  // exact
      verdict.first_draw = 0;
      verdict.candidates = DrawCandidates(position, p, 0, residual_candidates_);
      next_draw_ = residual_candidates_;
      break;
  }
  rejected_position_ = position;
  rejected_p_ = p;
}

std::vector<spec::Candidate> VerifierSession::DrawCandidates(int64_t position,
                                                             const std::vector<float>& p,
                                                             uint32_t first_draw,
                                                             uint32_t count) const {
  std::vector<double> uniforms(count);
  for (uint32_t i = 0; i < count; ++i) {
    uniforms[i] = rng_.Uniform(position, RngPurpose::kResidualSample, first_draw + i);
  }
  return spec::RejectionSampler::DrawCandidates(p, uniforms);
}

absl::Status VerifierSession::HandleResample(const v1::Resample& resample, const Emit& emit) {
  if (rejected_position_ < 0 || rejected_p_.empty() ||
      verification_ != v1::VERIFICATION_MODE_EXACT) {
    return absl::FailedPreconditionError("Resample without a pending exact-mode rejection");
  }
  if (resample.epoch() != epoch_ || resample.position() != rejected_position_) {
    return absl::AbortedError(absl::StrCat(
        "Resample for epoch ", resample.epoch(), " position ", resample.position(),
        " but the pending rejection is epoch ", epoch_, " position ", rejected_position_));
  }
  wire::ChunkVerdict verdict;
  verdict.epoch = epoch_ - 1;  // the epoch of the rejected chunk
  verdict.seq = static_cast<uint32_t>(last_seq_);
  verdict.kind = wire::VerdictKind::kRejected;
  verdict.n_accepted = 0;
  if (resample.dense()) {
    verdict.dense_p = rejected_p_;
  } else {
    const uint32_t count =
        std::min<uint32_t>(resample.count() == 0 ? residual_candidates_ : resample.count(),
                           static_cast<uint32_t>(limits_.max_residual_candidates));
    verdict.first_draw = resample.first_draw();
    verdict.candidates =
        DrawCandidates(rejected_position_, rejected_p_, resample.first_draw(), count);
  }
  Send(verdict, emit);
  return absl::OkStatus();
}

bool VerifierSession::Send(const wire::ChunkVerdict& verdict, const Emit& emit) const {
  v1::CloudMessage reply;
  wire::EncodeVerdict(verdict, compression_, reply.mutable_verdict());
  return emit(std::move(reply));
}

}  // namespace tandem::cloud
