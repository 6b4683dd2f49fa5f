#include "repository/pack_stream.h"

#include <utility>

namespace hort {

PackStream::PackStream(std::unique_ptr<BackendUpload> upload)
    : upload_(std::move(upload)), writer_([this] { WriteLoop(); }) {}

// An abandoned pack is never committed: what is still queued is dropped.
PackStream::~PackStream() { StopWriter(/*discard=*/true); }

void PackStream::StopWriter(bool discard) {
  {
    std::lock_guard lock(mu_);
    closing_ = true;
    if (discard && error_.ok()) error_ = Status(Code::kCancelled, "pack abandoned");
  }
  queued_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
}

Status PackStream::Push(std::vector<uint8_t> bytes) {
  // A blob larger than the bound waits for an empty queue (Budget clamps).
  const size_t size = bytes.size();
  if (!room_.TryAcquire(size)) {
    // The writer may sleep on less than kWakeBytes: it must drain for this
    // wait to end.
    {
      std::lock_guard lock(mu_);
      drain_ = true;
    }
    queued_cv_.notify_one();
    room_.Acquire(size);
  }
  {
    std::lock_guard lock(mu_);
    if (!error_.ok()) {
      room_.Release(size);
      return error_;
    }
    queue_.push_back(std::move(bytes));
    queued_bytes_ += size;
    // Small files make blobs of a few KiB: waking the writer for each cost
    // more than writing them (a context switch per blob).
    if (queued_bytes_ < kWakeBytes) return Status::Ok();
  }
  queued_cv_.notify_one();
  return Status::Ok();
}

void PackStream::WriteLoop() {
  std::unique_lock lock(mu_);
  for (;;) {
    queued_cv_.wait(lock, [&] { return queued_bytes_ >= kWakeBytes || drain_ || closing_; });
    while (!queue_.empty()) {  // once awake, everything queued goes out
      std::vector<uint8_t> bytes = std::move(queue_.front());
      queue_.pop_front();
      queued_bytes_ -= bytes.size();
      bool failed = !error_.ok();
      lock.unlock();
      Status written = Status::Ok();
      if (!failed) {
        hasher_.Update(bytes);
        written = upload_->Append(bytes);
      }
      size_t size = bytes.size();
      bytes = {};  // freed before producers are let in
      room_.Release(size);
      lock.lock();
      if (!written.ok() && error_.ok()) error_ = written;
    }
    drain_ = false;
    if (closing_) return;  // closing and drained
  }
}

Result<Id> PackStream::Finish(std::span<const uint8_t> header) {
  StopWriter(/*discard=*/false);
  if (!error_.ok()) return error_;
  hasher_.Update(header);
  HORT_RETURN_IF_ERROR(upload_->Append(header));
  Id id;
  id.bytes = hasher_.Final();
  HORT_RETURN_IF_ERROR(upload_->Commit({FileType::kPack, id.Hex()}));
  return id;
}

}  // namespace hort
