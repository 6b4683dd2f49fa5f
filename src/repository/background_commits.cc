#include "repository/background_commits.h"

#include <algorithm>
#include <system_error>
#include <utility>

namespace hort {

BackgroundCommits::BackgroundCommits(size_t limit) : limit_(std::max<size_t>(limit, 1)) {}

BackgroundCommits::~BackgroundCommits() { (void)Wait(); }

Status BackgroundCommits::Start(std::function<Status()> commit) {
  ThreadPool* threads = nullptr;
  {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return running_ < limit_; });
    if (!first_error_.ok()) return first_error_;
    if (!threads_) {
      try {
        threads_ = std::make_unique<ThreadPool>(limit_);
      } catch (const std::system_error&) {
        // No threads to be had: this commit runs here, as before there were any.
      }
    }
    threads = threads_.get();
    if (threads) ++running_;
  }
  if (!threads) {
    Status s = commit();
    std::lock_guard lock(mu_);
    Record(s);
    return s;
  }
  threads->Submit([this, commit = std::move(commit)] {
    Status s = commit();
    std::lock_guard lock(mu_);
    Record(s);
    --running_;
    changed_.notify_all();
  });
  return Status::Ok();
}

void BackgroundCommits::Record(const Status& s) {
  if (!s.ok() && first_error_.ok()) first_error_ = s;
}

Status BackgroundCommits::Failure() {
  std::lock_guard lock(mu_);
  return first_error_;
}

Status BackgroundCommits::Wait() {
  std::unique_lock lock(mu_);
  changed_.wait(lock, [&] { return running_ == 0; });
  return first_error_;
}

}  // namespace hort
