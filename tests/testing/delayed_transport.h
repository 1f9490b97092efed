#ifndef TANDEM_TESTS_TESTING_DELAYED_TRANSPORT_H_
#define TANDEM_TESTS_TESTING_DELAYED_TRANSPORT_H_

#include <deque>
#include <memory>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "edge/verifier_transport.h"

namespace tandem::testing {

// Adds a one-way delay to each direction of a transport: a message sent at
// t reaches the inner transport at t + delay, and one the inner transport
// receives at t is returned by Receive no earlier than t + delay. Order is
// kept. This emulates link latency (it is not used to synchronize tests).
class DelayedTransport final : public edge::VerifierTransport {
 public:
  DelayedTransport(std::unique_ptr<edge::VerifierTransport> inner, absl::Duration one_way)
      : inner_(std::move(inner)), delay_(one_way) {
    sender_ = std::thread([this] { RunSender(); });
    reader_ = std::thread([this] { RunReader(); });
  }
  ~DelayedTransport() override {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    sender_.join();
    inner_->Cancel();
    reader_.join();
  }

  absl::Status Send(const tandem::v1::EdgeMessage& message) override {
    absl::MutexLock lock(&mu_);
    outgoing_.push_back({absl::Now() + delay_, message, false});
    return absl::OkStatus();
  }
  absl::StatusOr<tandem::v1::CloudMessage> Receive() override {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](std::deque<Incoming>* q) { return !q->empty(); }, &incoming_));
    // Hold the message until its delivery time.
    const absl::Time due = incoming_.front().due;
    while (absl::Now() < due) mu_.AwaitWithDeadline(absl::Condition(&never_), due);
    absl::StatusOr<tandem::v1::CloudMessage> message = incoming_.front().message;
    if (message.ok()) incoming_.pop_front();
    return message;
  }
  void CloseSend() override {
    absl::MutexLock lock(&mu_);
    outgoing_.push_back({absl::Now() + delay_, {}, true});
  }
  void Cancel() override { inner_->Cancel(); }
  absl::Status Finish() override {
    CloseSend();
    while (true) {
      auto message = Receive();
      if (!message.ok()) break;
    }
    return inner_->Finish();
  }

 private:
  struct Outgoing {
    absl::Time due;
    tandem::v1::EdgeMessage message;
    bool close;
  };
  struct Incoming {
    absl::Time due;
    absl::StatusOr<tandem::v1::CloudMessage> message;
  };

  void RunSender() {
    while (true) {
      Outgoing next;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](DelayedTransport* t) ABSL_EXCLUSIVE_LOCKS_REQUIRED(t->mu_) {
              return t->stopping_ || !t->outgoing_.empty();
            },
            this));
        if (outgoing_.empty()) return;
        const absl::Time due = outgoing_.front().due;
        while (absl::Now() < due) mu_.AwaitWithDeadline(absl::Condition(&never_), due);
        next = std::move(outgoing_.front());
        outgoing_.pop_front();
      }
      if (next.close) {
        inner_->CloseSend();
      } else if (!inner_->Send(next.message).ok()) {
        return;
      }
    }
  }
  void RunReader() {
    while (true) {
      absl::StatusOr<tandem::v1::CloudMessage> message = inner_->Receive();
      const bool ended = !message.ok();
      absl::MutexLock lock(&mu_);
      incoming_.push_back({absl::Now() + delay_, std::move(message)});
      if (ended) return;
    }
  }

  std::unique_ptr<edge::VerifierTransport> inner_;
  const absl::Duration delay_;
  absl::Mutex mu_;
  std::deque<Outgoing> outgoing_ ABSL_GUARDED_BY(mu_);
  std::deque<Incoming> incoming_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  const bool never_ = false;  // a condition that only a deadline ends
  std::thread sender_;
  std::thread reader_;
};

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_TESTING_DELAYED_TRANSPORT_H_
