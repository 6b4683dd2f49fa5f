#include "repository/background_commits.h"

#include <algorithm>
#include <utility>

namespace hort {

BackgroundCommits::BackgroundCommits(size_t limit) : limit_(std::max<size_t>(limit, 1)) {}

BackgroundCommits::~BackgroundCommits() { (void)Wait(); }

Status BackgroundCommits::Start(std::function<Status()> commit) {
  {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return running_ < limit_; });
    if (!first_error_.ok()) return first_error_;
    ++running_;
    if (!threads_) threads_ = std::make_unique<ThreadPool>(limit_);
  }
  threads_->Submit([this, commit = std::move(commit)] {
    Status s = commit();
    std::lock_guard lock(mu_);
    if (!s.ok() && first_error_.ok()) first_error_ = std::move(s);
    --running_;
    changed_.notify_all();
  });
  return Status::Ok();
}

Status BackgroundCommits::Wait() {
  std::unique_lock lock(mu_);
  changed_.wait(lock, [&] { return running_ == 0; });
  return first_error_;
}

}  // namespace hort
