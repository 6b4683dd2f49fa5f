// Packs held whole in memory (S3, REST and memory backends take no streamed
// upload) are stored in the background: SaveBlob's workers go on compressing
// and encrypting while up to `limit` packs upload, each on a connection of
// its own, instead of one worker per pack waiting for its upload. Start
// waits while `limit` are under way, so at most that many finished packs
// sit in memory. The first failure is returned by the next Start and by
// Wait, and nothing queued after it is uploaded.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>

#include "util/status.h"
#include "util/thread_pool.h"

namespace hort {

class PackUploads {
 public:
  using Upload = std::function<Status()>;

  explicit PackUploads(int limit) : limit_(limit < 1 ? 1 : limit) {}
  ~PackUploads() { pool_.reset(); }  // joins: uploads under way finish first
  PackUploads(const PackUploads&) = delete;
  PackUploads& operator=(const PackUploads&) = delete;

  [[nodiscard]] Status Start(Upload upload) {
    {
      std::unique_lock lock(mu_);
      done_.wait(lock, [&] { return running_ < limit_ || !failed_.ok(); });
      if (!failed_.ok()) return failed_;
      ++running_;
      if (!pool_) pool_ = std::make_unique<ThreadPool>(static_cast<size_t>(limit_));
    }
    pool_->Submit([this, upload = std::move(upload)] {
      Status s = Failed() ? Status::Ok() : upload();
      std::lock_guard lock(mu_);
      if (!s.ok() && failed_.ok()) failed_ = s;
      --running_;
      done_.notify_all();
    });
    return Status::Ok();
  }

  // Returns once every started upload has ended: the first failure, or Ok.
  [[nodiscard]] Status Wait() {
    std::unique_lock lock(mu_);
    done_.wait(lock, [&] { return running_ == 0; });
    return failed_;
  }

  [[nodiscard]] int limit() const { return limit_; }

 private:
  bool Failed() {
    std::lock_guard lock(mu_);
    return !failed_.ok();
  }

  const int limit_;
  std::mutex mu_;
  std::condition_variable done_;
  int running_ = 0;
  Status failed_ = Status::Ok();
  std::unique_ptr<ThreadPool> pool_;
};

}  // namespace hort
