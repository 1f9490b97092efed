#ifndef TANDEM_CLOUD_SESSION_REACTOR_H_
#define TANDEM_CLOUD_SESSION_REACTOR_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <deque>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "cloud/cloud_resources.h"
#include "cloud/verifier_session.h"
#include "proto/tandem/v1/tandem.grpc.pb.h"

namespace tandem::cloud {

// One Verifier.Session stream (gRPC callback API). Reactions only move
// messages: OnReadDone queues the message and schedules the session's drain
// task on the worker pool; model work happens there. One write is in flight
// at a time; further replies wait in outbox_.
//
// Lifetime: the reactor deletes itself when gRPC has called OnDone AND no
// drain task is running (a reference count: one reference for gRPC, one per
// scheduled drain). After Finish no operation is started on the stream.
class SessionReactor
    : public grpc::ServerBidiReactor<tandem::v1::EdgeMessage, tandem::v1::CloudMessage> {
 public:
  SessionReactor(CloudResources& resources, grpc::CallbackServerContext* context);

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  ~SessionReactor() override;
  void Unref();
  void ScheduleDrainLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Drain();
  bool Emit(tandem::v1::CloudMessage message);
  // Sends an Error message (if the stream still works) and finishes the RPC
  // with the same status once the outbox is written.
  void FailLocked(const absl::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void MaybeFinishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void StartNextWriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  CloudResources& resources_;
  grpc::CallbackServerContext* const context_;
  std::atomic<int> refs_{1};
  std::unique_ptr<VerifierSession> session_;  // used only by the drain task

  absl::Mutex mu_;
  tandem::v1::EdgeMessage read_buffer_ ABSL_GUARDED_BY(mu_);
  struct Received {
    tandem::v1::EdgeMessage message;
    absl::Time at;
  };
  std::deque<Received> inbox_ ABSL_GUARDED_BY(mu_);
  bool reading_ ABSL_GUARDED_BY(mu_) = false;      // a StartRead is outstanding
  bool read_closed_ ABSL_GUARDED_BY(mu_) = false;  // the edge half-closed or vanished
  bool drain_scheduled_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<tandem::v1::CloudMessage> outbox_ ABSL_GUARDED_BY(mu_);
  tandem::v1::CloudMessage write_buffer_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_wanted_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_status_ ABSL_GUARDED_BY(mu_);
  bool counted_ = false;  // holds a slot of resources_.sessions
};

}  // namespace tandem::cloud

#endif  // TANDEM_CLOUD_SESSION_REACTOR_H_
