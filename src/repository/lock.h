// restic-compatible repository locks (locks/<id>): shared for backup and
// restore, exclusive for check/prune. A lock is stale after 30 minutes or
// when its PID is gone on this host.
#pragma once

#include <memory>
#include <string>

#include "repository/repository.h"

namespace hort {

class RepoLock {
 public:
  ~RepoLock();  // removes the lock file
  RepoLock(const RepoLock&) = delete;
  RepoLock& operator=(const RepoLock&) = delete;
  [[nodiscard]] const Id& id() const { return id_; }

 private:
  friend Result<std::unique_ptr<RepoLock>> AcquireLock(Repository& repo, bool exclusive);
  RepoLock(Repository& repo, Id id) : repo_(repo), id_(id) {}
  Repository& repo_;
  Id id_;
};

[[nodiscard]] Result<std::unique_ptr<RepoLock>> AcquireLock(Repository& repo, bool exclusive);

// Whether a lock written at `lock` is stale as seen from this host now.
[[nodiscard]] bool LockIsStale(const LockFile& lock);

}  // namespace hort
