#ifndef TANDEM_COMMON_WIRE_MESSAGES_H_
#define TANDEM_COMMON_WIRE_MESSAGES_H_

// Native forms of the protocol's chunk-level messages (proto/tandem/v1),
// decoded and validated by message_codec.h. Session logic on both sides
// works with these, never with packed bytes.

#include <cstdint>
#include <vector>

#include "common/spec/quantized_distribution.h"
#include "common/spec/rejection_sampler.h"

namespace tandem::wire {

// Edge -> cloud: committed prefix tokens, then drafted tokens.
struct DraftChunk {
  uint32_t epoch = 0;
  uint32_t seq = 0;
  uint32_t base_position = 0;      // absolute position of tokens[0]
  std::vector<int32_t> tokens;     // [n_prefix + n_draft]
  uint32_t n_prefix = 0;           // leading tokens already committed
  std::vector<uint32_t> q_masses;  // exact/topk, sampled: q~(x) per drafted token, [n_draft]
  std::vector<spec::SparseDistribution> sparse_q;  // sparse-draft, sampled: [n_draft]
  int64_t sent_at_us = 0;
  bool branch = false;      // a correction branch (Draft.branch): verified only if it applies
  uint32_t parent_seq = 0;  // branch: the chunk holding the token it replaces

  size_t n_draft() const { return tokens.size() - n_prefix; }
};

enum class VerdictKind { kAllAccepted, kRejected };

// The delivery of one Draft message the cloud dropped without a verdict (a
// stale chunk, a branch that did not apply), as a verdict reports its own
// chunk's: Verdict.receipt_*.
struct Receipt {
  int64_t echo_sent_at_us = 0;        // the message's Draft.sent_at_us (edge clock)
  int64_t received_at_us = 0;         // cloud clock, when it arrived
  int64_t uplink_bytes_received = 0;  // framed EdgeMessage bytes so far, its own included

  bool operator==(const Receipt& other) const {
    return echo_sent_at_us == other.echo_sent_at_us && received_at_us == other.received_at_us &&
           uplink_bytes_received == other.uplink_bytes_received;
  }
};

// Cloud -> edge: the outcome of one chunk (or of a Resample).
struct ChunkVerdict {
  uint32_t epoch = 0;
  uint32_t seq = 0;
  uint32_t n_accepted = 0;
  VerdictKind kind = VerdictKind::kAllAccepted;
  int32_t token = -1;                       // bonus or cloud-chosen correction; -1 = edge resolves
  std::vector<spec::Candidate> candidates;  // exact: y_i ~ p with p(y_i)
  uint32_t first_draw = 0;
  std::vector<spec::Candidate> top_k;  // topk: top-K of p
  float top_k_mass = 0;
  std::vector<float> dense_p;  // dense fallback: [vocab]
  int64_t verify_us = 0;
  int64_t echo_sent_at_us = 0;
  int64_t queue_us = 0;
  int64_t cloud_idle_us = 0;
  int64_t received_at_us = 0;         // cloud clock, when the chunk arrived
  int64_t uplink_bytes_received = 0;  // framed EdgeMessage bytes so far, the chunk's included
  // Messages dropped without a verdict since the previous one, in arrival
  // order.
  std::vector<Receipt> receipts;
};

}  // namespace tandem::wire

#endif  // TANDEM_COMMON_WIRE_MESSAGES_H_
