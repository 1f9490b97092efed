#include "common/wire/message_codec.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"
#include "common/wire/packed_ids.h"
#include "common/wire/packed_probs.h"

namespace tandem::wire {
namespace {

namespace v1 = ::tandem::v1;

void EncodeCandidates(const std::vector<spec::Candidate>& items, bool half_precision,
                      const CompressionPolicy& policy, v1::PackedIds* ids, v1::PackedProbs* probs) {
  std::vector<int32_t> id_list;
  std::vector<float> p_list;
  for (const spec::Candidate& c : items) {
    id_list.push_back(c.id);
    p_list.push_back(c.p);
  }
  EncodeIds(id_list, policy, ids);
  if (half_precision) {
    EncodeFloat16(p_list, policy, probs);
  } else {
    EncodeFloat32(p_list, policy, probs);
  }
}

absl::StatusOr<std::vector<spec::Candidate>> DecodeCandidates(const v1::PackedIds& ids,
                                                              const v1::PackedProbs& probs,
                                                              int32_t vocab_size, size_t max_items,
                                                              const char* what) {
  TANDEM_ASSIGN_OR_RETURN(std::vector<int32_t> id_list, DecodeIds(ids, vocab_size, max_items));
  TANDEM_ASSIGN_OR_RETURN(std::vector<float> p_list, DecodeFloats(probs, id_list.size()));
  std::vector<spec::Candidate> items;
  for (size_t i = 0; i < id_list.size(); ++i) {
    if (!(p_list[i] > 0.0f)) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": token ", id_list[i], " comes with p = ", p_list[i],
                       "; candidates must have positive target probability"));
    }
    items.push_back({id_list[i], p_list[i]});
  }
  return items;
}

absl::Status ValidateSparse(const spec::SparseDistribution& q, size_t index) {
  uint64_t total = 0;
  absl::flat_hash_set<int32_t> seen;
  for (size_t k = 0; k < q.ids.size(); ++k) {
    if (!seen.insert(q.ids[k]).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("sparse draft distribution ", index, " lists token ", q.ids[k], " twice"));
    }
    total += q.masses[k];
  }
  if (total != spec::kFixed16One) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sparse draft distribution ", index, " has total mass ", total, "/65536; it must be 1"));
  }
  return absl::OkStatus();
}

absl::Status DecodeSparse(const v1::Draft& draft, int32_t vocab_size, size_t n_draft,
                          DraftChunk& chunk) {
  if (static_cast<size_t>(draft.support_sizes_size()) != n_draft) {
    return absl::InvalidArgumentError(absl::StrCat("sparse-draft chunk has ", n_draft,
                                                   " drafted tokens but ",
                                                   draft.support_sizes_size(), " support sizes"));
  }
  size_t total = 0;
  for (uint32_t size : draft.support_sizes()) {
    if (size == 0 || size > static_cast<uint32_t>(vocab_size)) {
      return absl::InvalidArgumentError(
          absl::StrCat("sparse support size ", size, " is outside [1, ", vocab_size, "]"));
    }
    total += size;
  }
  TANDEM_ASSIGN_OR_RETURN(std::vector<int32_t> ids,
                          DecodeIds(draft.support_ids(), vocab_size, total));
  if (ids.size() != total) {
    return absl::InvalidArgumentError(
        absl::StrCat("sparse supports list ", ids.size(), " ids; the sizes add up to ", total));
  }
  TANDEM_ASSIGN_OR_RETURN(std::vector<uint32_t> masses,
                          DecodeFixed16(draft.support_probs(), total));
  size_t offset = 0;
  for (size_t i = 0; i < n_draft; ++i) {
    spec::SparseDistribution q;
    const size_t size = draft.support_sizes(static_cast<int>(i));
    q.ids.assign(ids.begin() + offset, ids.begin() + offset + size);
    q.masses.assign(masses.begin() + offset, masses.begin() + offset + size);
    offset += size;
    TANDEM_RETURN_IF_ERROR(ValidateSparse(q, i));
    chunk.sparse_q.push_back(std::move(q));
  }
  return absl::OkStatus();
}

}  // namespace

void EncodeDraft(const DraftChunk& chunk, v1::VerificationMode mode, bool greedy,
                 const CompressionPolicy& policy, v1::Draft* out) {
  out->set_epoch(chunk.epoch);
  out->set_seq(chunk.seq);
  out->set_base_position(chunk.base_position);
  out->set_n_prefix(chunk.n_prefix);
  out->set_sent_at_us(chunk.sent_at_us);
  out->set_branch(chunk.branch);
  out->set_parent_seq(chunk.parent_seq);
  EncodeIds(chunk.tokens, policy, out->mutable_tokens());
  if (greedy || chunk.n_draft() == 0) return;
  if (mode == v1::VERIFICATION_MODE_SPARSE_DRAFT) {
    std::vector<int32_t> ids;
    std::vector<uint32_t> masses;
    for (const spec::SparseDistribution& q : chunk.sparse_q) {
      out->add_support_sizes(static_cast<uint32_t>(q.ids.size()));
      ids.insert(ids.end(), q.ids.begin(), q.ids.end());
      masses.insert(masses.end(), q.masses.begin(), q.masses.end());
    }
    EncodeIds(ids, policy, out->mutable_support_ids());
    EncodeFixed16(masses, policy, out->mutable_support_probs());
  } else {
    EncodeFixed16(chunk.q_masses, policy, out->mutable_q());
  }
}

absl::StatusOr<DraftChunk> DecodeDraft(const v1::Draft& draft, int32_t vocab_size,
                                       size_t max_tokens, v1::VerificationMode mode, bool greedy) {
  DraftChunk chunk;
  chunk.epoch = draft.epoch();
  chunk.seq = draft.seq();
  chunk.base_position = draft.base_position();
  chunk.sent_at_us = draft.sent_at_us();
  TANDEM_ASSIGN_OR_RETURN(chunk.tokens, DecodeIds(draft.tokens(), vocab_size, max_tokens));
  if (draft.n_prefix() > chunk.tokens.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "n_prefix ", draft.n_prefix(), " exceeds the chunk's ", chunk.tokens.size(), " tokens"));
  }
  chunk.n_prefix = draft.n_prefix();
  chunk.branch = draft.branch();
  chunk.parent_seq = draft.parent_seq();
  if (chunk.branch && (chunk.n_prefix != 1 || chunk.tokens.size() < 2)) {
    return absl::InvalidArgumentError(
        "a correction branch must hold its guessed correction (n_prefix = 1) and at least one "
        "drafted token");
  }
  const size_t n_draft = chunk.n_draft();
  if (greedy || n_draft == 0) return chunk;
  if (mode == v1::VERIFICATION_MODE_SPARSE_DRAFT) {
    TANDEM_RETURN_IF_ERROR(DecodeSparse(draft, vocab_size, n_draft, chunk));
  } else {
    TANDEM_ASSIGN_OR_RETURN(chunk.q_masses, DecodeFixed16(draft.q(), n_draft));
  }
  return chunk;
}

namespace {
// Two's-complement sum and difference: a peer's int64 fields must not
// overflow (undefined behaviour) however large they are.
int64_t WrappingSum(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
int64_t WrappingDifference(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
}  // namespace

void EncodeVerdict(const ChunkVerdict& verdict, const CompressionPolicy& policy, v1::Verdict* out) {
  out->set_epoch(verdict.epoch);
  out->set_seq(verdict.seq);
  out->set_n_accepted(verdict.n_accepted);
  out->set_status(verdict.kind == VerdictKind::kAllAccepted ? v1::VERDICT_STATUS_ALL_ACCEPTED
                                                            : v1::VERDICT_STATUS_REJECTED);
  out->set_token(verdict.token);
  if (!verdict.candidates.empty()) {
    // float32: the edge's residual test must use exactly the p the cloud
    // sampled from (exact mode).
    EncodeCandidates(verdict.candidates, /*half_precision=*/false, policy,
                     out->mutable_candidate_ids(), out->mutable_candidate_probs());
    out->set_first_draw(verdict.first_draw);
  }
  if (!verdict.top_k.empty()) {
    // topk is approximate anyway (PicoSpec): float16 halves the bytes.
    EncodeCandidates(verdict.top_k, /*half_precision=*/true, policy, out->mutable_topk_ids(),
                     out->mutable_topk_probs());
    out->set_topk_mass(verdict.top_k_mass);
  }
  if (!verdict.dense_p.empty()) EncodeFloat32(verdict.dense_p, policy, out->mutable_dense_probs());
  out->set_verify_us(verdict.verify_us);
  out->set_echo_sent_at_us(verdict.echo_sent_at_us);
  out->set_queue_us(verdict.queue_us);
  out->set_cloud_idle_us(verdict.cloud_idle_us);
  out->set_received_at_us(verdict.received_at_us);
  out->set_uplink_bytes_received(verdict.uplink_bytes_received);
  for (const Receipt& receipt : verdict.receipts) {
    out->add_receipt_sent_at_delta_us(
        WrappingDifference(receipt.echo_sent_at_us, verdict.echo_sent_at_us));
    out->add_receipt_received_at_delta_us(
        WrappingDifference(receipt.received_at_us, verdict.received_at_us));
    out->add_receipt_bytes_delta(
        WrappingDifference(receipt.uplink_bytes_received, verdict.uplink_bytes_received));
  }
}

absl::StatusOr<ChunkVerdict> DecodeVerdict(const v1::Verdict& v, int32_t vocab_size,
                                           size_t max_items) {
  ChunkVerdict verdict;
  verdict.epoch = v.epoch();
  verdict.seq = v.seq();
  verdict.n_accepted = v.n_accepted();
  if (v.status() != v1::VERDICT_STATUS_ALL_ACCEPTED && v.status() != v1::VERDICT_STATUS_REJECTED) {
    return absl::InvalidArgumentError(absl::StrCat("verdict has status ", v.status()));
  }
  verdict.kind = v.status() == v1::VERDICT_STATUS_ALL_ACCEPTED ? VerdictKind::kAllAccepted
                                                               : VerdictKind::kRejected;
  if (v.token() < -1 || v.token() >= vocab_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("verdict token ", v.token(), " is outside the vocabulary"));
  }
  verdict.token = v.token();
  if (v.candidate_ids().count() > 0) {
    TANDEM_ASSIGN_OR_RETURN(verdict.candidates,
                            DecodeCandidates(v.candidate_ids(), v.candidate_probs(), vocab_size,
                                             max_items, "residual candidates"));
    verdict.first_draw = v.first_draw();
  }
  if (v.topk_ids().count() > 0) {
    TANDEM_ASSIGN_OR_RETURN(verdict.top_k, DecodeCandidates(v.topk_ids(), v.topk_probs(),
                                                            vocab_size, max_items, "top-K"));
    verdict.top_k_mass = v.topk_mass();
  }
  if (v.dense_probs().count() > 0) {
    TANDEM_ASSIGN_OR_RETURN(verdict.dense_p,
                            DecodeFloats(v.dense_probs(), static_cast<size_t>(vocab_size)));
  }
  verdict.verify_us = v.verify_us();
  verdict.echo_sent_at_us = v.echo_sent_at_us();
  verdict.queue_us = v.queue_us();
  verdict.cloud_idle_us = v.cloud_idle_us();
  verdict.received_at_us = v.received_at_us();
  verdict.uplink_bytes_received = v.uplink_bytes_received();
  const int n_receipts = v.receipt_sent_at_delta_us_size();
  if (v.receipt_received_at_delta_us_size() != n_receipts ||
      v.receipt_bytes_delta_size() != n_receipts) {
    return absl::InvalidArgumentError(absl::StrCat(
        "verdict receipts: ", n_receipts, " send times, ", v.receipt_received_at_delta_us_size(),
        " receive times and ", v.receipt_bytes_delta_size(), " byte counts; they must match"));
  }
  if (static_cast<size_t>(n_receipts) > kMaxReceipts) {
    return absl::InvalidArgumentError(
        absl::StrCat("verdict has ", n_receipts, " receipts; at most ", kMaxReceipts));
  }
  verdict.receipts.reserve(n_receipts);
  for (int i = 0; i < n_receipts; ++i) {
    verdict.receipts.push_back(
        {WrappingSum(verdict.echo_sent_at_us, v.receipt_sent_at_delta_us(i)),
         WrappingSum(verdict.received_at_us, v.receipt_received_at_delta_us(i)),
         WrappingSum(verdict.uplink_bytes_received, v.receipt_bytes_delta(i))});
  }
  return verdict;
}

}  // namespace tandem::wire
