#ifndef TANDEM_EDGE_VERDICT_RECEIVER_H_
#define TANDEM_EDGE_VERDICT_RECEIVER_H_

#include <deque>
#include <optional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "edge/verifier_transport.h"
#include "proto/tandem/v1/tandem.pb.h"

namespace tandem::edge {

// Reads the cloud's messages on its own thread so the edge keeps drafting
// while chunks are verified (design §6). Messages are queued in arrival
// order; the stream's end (or an error) is queued last as a non-OK status.
//
// Shutdown order: the owner closes the sending side (or cancels the
// transport), which ends the stream; the destructor then joins the thread.
class VerdictReceiver {
 public:
  explicit VerdictReceiver(VerifierTransport& transport);
  ~VerdictReceiver();
  VerdictReceiver(const VerdictReceiver&) = delete;
  VerdictReceiver& operator=(const VerdictReceiver&) = delete;

  // The next message if one is queued, without blocking.
  std::optional<absl::StatusOr<tandem::v1::CloudMessage>> TryPop();
  // Blocks for the next message; adds the time spent waiting to *waited
  // and, if `arrived_at` is given, sets it to when the transport delivered
  // the message (for a round trip measured while the edge was busy).
  absl::StatusOr<tandem::v1::CloudMessage> Pop(absl::Duration* waited,
                                               absl::Time* arrived_at = nullptr);

 private:
  struct Arrival {
    absl::StatusOr<tandem::v1::CloudMessage> message;
    absl::Time at;
  };
  void Run();

  VerifierTransport& transport_;
  absl::Mutex mu_;
  std::deque<Arrival> queue_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace tandem::edge

#endif  // TANDEM_EDGE_VERDICT_RECEIVER_H_
