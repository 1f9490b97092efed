#include "cloud/session_reactor.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base/logging.h"
#include "common/wire/status_proto.h"

namespace tandem::cloud {

namespace v1 = ::tandem::v1;

SessionReactor::SessionReactor(CloudResources& resources, grpc::CallbackServerContext* context)
    : resources_(resources), context_(context) {
  absl::MutexLock lock(&mu_);
  if (resources_.draining.load()) {
    finished_ = true;
    Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "tandem-cloud is shutting down; retry with another replica"));
    return;
  }
  if (!resources_.sessions->TryAcquire()) {
    finished_ = true;
    Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        absl::StrCat("tandem-cloud is at capacity (", resources_.sessions->active(),
                                     " sessions, --max-sessions); retry later")));
    return;
  }
  counted_ = true;
  resources_.sessions_total.fetch_add(1);
  const uint64_t id = resources_.next_session_id.fetch_add(1);
  session_ = std::make_unique<VerifierSession>(id, *resources_.target, resources_.identity,
                                               resources_.limits, resources_.compression);
  ABSL_VLOG(1) << "session " << id << " from " << context_->peer();
  reading_ = true;
  StartRead(&read_buffer_);
}

SessionReactor::~SessionReactor() = default;

void SessionReactor::Unref() {
  if (refs_.fetch_sub(1) == 1) delete this;
}

void SessionReactor::OnDone() {
  if (counted_) resources_.sessions->Release();
  Unref();
}

void SessionReactor::OnCancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  MaybeFinishLocked();
}

void SessionReactor::OnReadDone(bool ok) {
  absl::MutexLock lock(&mu_);
  reading_ = false;
  if (!ok) {  // the edge half-closed, or the stream broke
    read_closed_ = true;
    MaybeFinishLocked();
    return;
  }
  if (finished_ || finish_wanted_) return;
  inbox_.push_back({std::move(read_buffer_), absl::Now()});
  read_buffer_.Clear();
  ScheduleDrainLocked();
  if (inbox_.size() < resources_.max_queued_messages) {
    reading_ = true;
    StartRead(&read_buffer_);
  }
}

void SessionReactor::ScheduleDrainLocked() {
  if (drain_scheduled_ || finished_) return;
  drain_scheduled_ = true;
  refs_.fetch_add(1);
  resources_.workers->Submit([this] { Drain(); });
}

void SessionReactor::Drain() {
  const VerifierSession::Emit emit = [this](v1::CloudMessage m) { return Emit(std::move(m)); };
  while (true) {
    Received message;
    {
      absl::MutexLock lock(&mu_);
      if (finished_ || cancelled_ || finish_wanted_) {
        drain_scheduled_ = false;
        MaybeFinishLocked();
        break;
      }
      if (inbox_.empty()) {
        if (session_->autoregressive_active()) {
          // One token per turn, then yield the worker to other sessions.
          mu_.Unlock();
          absl::StatusOr<bool> more = session_->StepAutoregressive(emit);
          mu_.Lock();
          if (!more.ok()) {
            FailLocked(more.status());
            drain_scheduled_ = false;
            MaybeFinishLocked();
            break;
          }
          if (*more && !cancelled_ && !finished_) {
            refs_.fetch_add(1);
            resources_.workers->Submit([this] { Drain(); });
            break;  // drain_scheduled_ stays true for the resubmitted task
          }
          continue;  // generation done: look at the inbox again
        }
        drain_scheduled_ = false;
        if (session_->closed()) finish_wanted_ = true;
        MaybeFinishLocked();
        break;
      }
      message = std::move(inbox_.front());
      inbox_.pop_front();
      if (!reading_ && !read_closed_ && inbox_.size() < resources_.max_queued_messages) {
        reading_ = true;  // resume reading after backpressure
        StartRead(&read_buffer_);
      }
    }
    const absl::Status status = session_->Handle(message.message, emit, message.at);
    if (!status.ok()) {
      absl::MutexLock lock(&mu_);
      FailLocked(status);
      drain_scheduled_ = false;
      MaybeFinishLocked();
      break;
    }
  }
  Unref();
}

bool SessionReactor::Emit(v1::CloudMessage message) {
  absl::MutexLock lock(&mu_);
  if (finished_ || cancelled_) return false;
  outbox_.push_back(std::move(message));
  if (!writing_) StartNextWriteLocked();
  return true;
}

void SessionReactor::StartNextWriteLocked() {
  write_buffer_ = std::move(outbox_.front());
  outbox_.pop_front();
  writing_ = true;
  StartWrite(&write_buffer_);
}

void SessionReactor::OnWriteDone(bool ok) {
  absl::MutexLock lock(&mu_);
  writing_ = false;
  if (!ok) {  // the edge is gone
    cancelled_ = true;
    outbox_.clear();
  } else if (!outbox_.empty()) {
    StartNextWriteLocked();
    return;
  }
  MaybeFinishLocked();
}

void SessionReactor::FailLocked(const absl::Status& status) {
  if (finish_wanted_ || finished_) return;
  resources_.sessions_failed.fetch_add(1);
  ABSL_LOG(WARNING) << "session " << session_->id() << " ended: " << status;
  finish_wanted_ = true;
  final_status_ = wire::StatusToGrpc(status);
  if (!cancelled_) {
    v1::CloudMessage error;
    *error.mutable_error() = wire::StatusToError(status);
    outbox_.push_back(std::move(error));
    if (!writing_) StartNextWriteLocked();
  }
}

void SessionReactor::MaybeFinishLocked() {
  if (finished_) return;
  if (writing_ || drain_scheduled_) return;
  if (cancelled_) {
    finished_ = true;
    Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the edge went away"));
    return;
  }
  const bool done = finish_wanted_ || (read_closed_ && inbox_.empty());
  if (!done || !outbox_.empty()) return;
  finished_ = true;
  Finish(final_status_);
}

}  // namespace tandem::cloud
