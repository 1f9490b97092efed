#include "edge/verdict_receiver.h"

#include "absl/time/clock.h"

namespace tandem::edge {

VerdictReceiver::VerdictReceiver(VerifierTransport& transport)
    : transport_(transport), thread_([this] { Run(); }) {}

VerdictReceiver::~VerdictReceiver() {
  if (thread_.joinable()) thread_.join();
}

void VerdictReceiver::Run() {
  while (true) {
    absl::StatusOr<tandem::v1::CloudMessage> message = transport_.Receive();
    const absl::Time at = absl::Now();
    const bool ended = !message.ok();
    absl::MutexLock lock(&mu_);
    queue_.push_back({std::move(message), at});
    if (ended) return;
  }
}

std::optional<absl::StatusOr<tandem::v1::CloudMessage>> VerdictReceiver::TryPop() {
  absl::MutexLock lock(&mu_);
  if (queue_.empty()) return std::nullopt;
  // Copy: the final status stays queued for later callers.
  absl::StatusOr<tandem::v1::CloudMessage> message = queue_.front().message;
  if (message.ok()) queue_.pop_front();
  return message;
}

absl::StatusOr<tandem::v1::CloudMessage> VerdictReceiver::Pop(absl::Duration* waited,
                                                              absl::Time* arrived_at) {
  const absl::Time start = absl::Now();
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](std::deque<Arrival>* q) { return !q->empty(); }, &queue_));
  if (waited != nullptr) *waited += absl::Now() - start;
  if (arrived_at != nullptr) *arrived_at = queue_.front().at;
  // Copy: the final status stays queued for later callers.
  absl::StatusOr<tandem::v1::CloudMessage> message = queue_.front().message;
  if (message.ok()) queue_.pop_front();
  return message;
}

}  // namespace tandem::edge
