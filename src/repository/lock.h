// restic-compatible repository locks (locks/<id>): shared for backup and
// restore, exclusive for check/forget/prune. A lock is stale after 30
// minutes, when its PID is gone on this host, or when an earlier instance of
// this Kubernetes container wrote it (LockIsStale); held locks are refreshed
// every 5 minutes so they never look stale while their owner works.
#pragma once

#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "repository/repository.h"

namespace hort {

// restic waits 200 ms after writing its lock to a store that may list a new
// file late (S3, REST), then looks again for a lock that raced with its own.
// kBehindReads takes that second look in the background: the command reads
// meanwhile (index, trees, files), and every write to the repository except
// lock files waits for the look and fails with kLocked if it found a
// conflict, so nothing is written under a lock that did not hold. For
// commands whose reads do no harm while another process holds the
// repository: backup, and the commands that ask Confirmed() before they
// act on what they read (restore before it writes to its target, check
// before it reports). With a --retry-lock wait the look is always taken
// first, as the retry needs its answer.
enum class LockSettle { kWait, kBehindReads };

// Removes the lock file of every RepoLock this process still holds: an
// interrupt's cleanup (SIGINT/SIGTERM), after which the process exits at
// once, as restic removes its locks before it exits. Blocks a lock being
// released meanwhile until it is done.
void RemoveHeldLocksForExit();

class RepoLock {
 public:
  ~RepoLock();  // stops refreshing, removes the lock file
  RepoLock(const RepoLock&) = delete;
  RepoLock& operator=(const RepoLock&) = delete;
  [[nodiscard]] Id id() const;
  // The answer of the second look: waits for it under kBehindReads (kLocked
  // if it found a conflicting lock); Ok at once where it was taken before
  // AcquireLock returned.
  [[nodiscard]] Status Confirmed() const;

 private:
  friend Result<std::unique_ptr<RepoLock>> AcquireLock(Repository&, bool, std::chrono::seconds, LockSettle);
  friend void RemoveHeldLocksForExit();
  RepoLock(Repository& repo, Id id, bool exclusive);
  void RefreshLoop();
  // Gates the repository's writes and starts the second look (LockSettle).
  void ConfirmBehindReads();

  Repository& repo_;
  bool exclusive_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  Id id_;
  bool stop_ = false;
  std::thread refresher_;
  std::thread confirmer_;  // the second look of kBehindReads; joined first
  std::shared_future<Status> confirmed_;  // its answer (valid under kBehindReads)
};

// Waits up to `retry` for conflicting locks to go away (restic's --retry-lock).
[[nodiscard]] Result<std::unique_ptr<RepoLock>> AcquireLock(Repository& repo, bool exclusive,
                                                            std::chrono::seconds retry = std::chrono::seconds(0),
                                                            LockSettle settle = LockSettle::kWait);

// Whether a lock is stale as seen from this host now. kUnlock is restic's
// rule, for `unlock`: older than 30 minutes, or written on this host by a
// PID that is gone. kAutomatic, for removing a lock in the way of a command
// without being asked: the PID counts only when hort wrote the lock in this
// PID namespace (LockFile::pid_namespace), as restic never removes a lock by
// itself and a PID means nothing in another namespace. Both rules also take
// a lock an earlier instance of this Kubernetes container left (ThisContainer).
enum class StaleRule { kUnlock, kAutomatic };
[[nodiscard]] bool LockIsStale(const LockFile& lock, StaleRule rule);
// "<boot_id>:<inode of /proc/self/ns/pid>" (empty if either cannot be read).
[[nodiscard]] std::string ThisPidNamespace();
// "<pod uid>/<container name>" from HORT_POD_UID and HORT_CONTAINER_NAME
// (the rendered manifests set both), empty when either is unset: the
// Kubernetes container this process runs in (LockFile::container).
[[nodiscard]] std::string ThisContainer();

struct UnlockResult {
  size_t removed = 0;
};
// Removes stale locks, or every lock with `remove_all`.
[[nodiscard]] Result<UnlockResult> RemoveLocks(Repository& repo, bool remove_all);

}  // namespace hort
