// restic-compatible repository locks (locks/<id>): shared for backup and
// restore, exclusive for check/forget/prune. A lock is stale after 30
// minutes or when its PID is gone on this host; held locks are refreshed
// every 5 minutes so they never look stale while their owner works.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "repository/repository.h"

namespace hort {

class RepoLock {
 public:
  ~RepoLock();  // stops refreshing, removes the lock file
  RepoLock(const RepoLock&) = delete;
  RepoLock& operator=(const RepoLock&) = delete;
  [[nodiscard]] Id id() const;

 private:
  friend Result<std::unique_ptr<RepoLock>> AcquireLock(Repository&, bool, std::chrono::seconds);
  RepoLock(Repository& repo, Id id, bool exclusive);
  void RefreshLoop();

  Repository& repo_;
  bool exclusive_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  Id id_;
  bool stop_ = false;
  std::thread refresher_;
};

// Waits up to `retry` for conflicting locks to go away (restic's --retry-lock).
[[nodiscard]] Result<std::unique_ptr<RepoLock>> AcquireLock(Repository& repo, bool exclusive,
                                                            std::chrono::seconds retry = std::chrono::seconds(0));

// Whether a lock written at `lock` is stale as seen from this host now.
[[nodiscard]] bool LockIsStale(const LockFile& lock);

struct UnlockResult {
  size_t removed = 0;
};
// Removes stale locks, or every lock with `remove_all`.
[[nodiscard]] Result<UnlockResult> RemoveLocks(Repository& repo, bool remove_all);

}  // namespace hort
