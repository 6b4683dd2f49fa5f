// The restore pipeline: plan by pack → fetch → decrypt → write (sparse,
// parallel) → metadata → verify. Nothing is written outside the target.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "repository/repository.h"
#include "util/progress.h"
#include "util/timer.h"

namespace hort {

struct RestoreOptions {
  std::string target;
  std::string subpath;  // restore only this path inside the snapshot
  std::vector<std::string> includes, excludes;    // restic patterns on snapshot paths
  std::vector<std::string> iincludes, iexcludes;  // case-insensitive variants
  bool verify = false;
  bool dry_run = false;
  int workers = 0;  // 0 = one per core, at least 2
  ProgressCounters* progress = nullptr;
  // When set and it becomes true, remaining packs are skipped and the
  // restore returns kCancelled (restore tests clean up after a SIGTERM).
  const std::atomic<bool>* cancel = nullptr;
  // Asked once the snapshot's trees are read, before anything is written to
  // the target; an error ends the restore there (the lock's second look,
  // lock.h: the trees are read while it runs).
  std::function<Status()> before_writing;
  [[nodiscard]] bool Cancelled() const { return cancel != nullptr && cancel->load(); }
};

class RestoreObserver {
 public:
  virtual ~RestoreObserver() = default;
  virtual void OnError(const std::string& item, const Status& s) = 0;
  // After each stage that writes ("create", "fetch+decrypt+write", "metadata").
  virtual void OnStageDone(const char* /*stage*/) {}
};

struct RestoreResult {
  uint64_t files = 0, dirs = 0, others = 0, bytes = 0;  // what the snapshot selection holds
  // What the target holds at the end: files whose content was restored
  // completely and their bytes (a file that failed half-way was removed),
  // directories made, and special files (fifos, devices, symlinks) made.
  uint64_t files_restored = 0, bytes_restored = 0, dirs_restored = 0, others_restored = 0;
  uint64_t errors = 0;
  uint64_t verified_files = 0;
  double seconds = 0;
  StageTimes stage_times;
};

[[nodiscard]] Result<RestoreResult> RunRestore(Repository& repo, const Snapshot& snapshot,
                                               const RestoreOptions& options, RestoreObserver* observer);

}  // namespace hort
