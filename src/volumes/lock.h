// Longhorn's backupstore locks (longhorn/backupstore lock.go): a file
// locks/lock-<16 hex>.lck holding {"Name":…,"Type":1|2,"Acquired":bool}.
// Type 1 (backup and restore alike; hort's verify too) and type 2 (delete
// and garbage collection) exclude each other; locks of one type do not.
// A lock expires 150 s after its file was last written; holders rewrite it
// every 60 s. Acquiring is Longhorn's Lock(): write, wait 2 s (file times
// have second precision and clocks differ; always, also on local folders,
// which are nfs/cifs shares too), list; while an older live lock of the other
// type has priority, list again every 10 s until 30 s after the write
// (LOCK_CHECK_INTERVAL, LOCK_MAX_WAIT_TIME), then give up (kLocked).
// Expiry is judged by the store's clock: the mtime of our own lock, just
// written, not the local clock.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "objstore/object_store.h"
#include "volumes/layout.h"

namespace hort::volumes {

enum class LockType : int { kBackupRestore = 1, kDelete = 2 };

inline constexpr int64_t kLockExpirySeconds = 150;
inline constexpr int64_t kLockRefreshSeconds = 60;

struct LockFile {
  std::string name;  // lock-<16 hex>
  int type = 0;
  bool acquired = false;
  int64_t modified = 0;  // Unix seconds by the store's clock; 0 when unknown
  bool readable = true;  // false: the body does not parse
  [[nodiscard]] bool Expired(int64_t now) const { return modified > 0 && now - modified > kLockExpirySeconds; }
};

// Longhorn's compareLocks: acquired locks first, then the older file, then
// the name. An unknown time (0) counts as the oldest, as Longhorn's zero
// FileTime does.
[[nodiscard]] bool LockHasPriority(const LockFile& a, const LockFile& b);

// Longhorn's waits; tests shorten them.
struct LockTiming {
  std::chrono::milliseconds settle{2000}, retry{10000}, max_wait{30000}, refresh{kLockRefreshSeconds * 1000};
};
void SetLockTimingForTests(const LockTiming& t);
// How long a lock may wait for one of the other type (Longhorn's 30 s by
// default): the CLI's --retry-lock, e.g. 0 to fail at the first look.
void SetLockMaxWait(std::chrono::milliseconds max_wait);

// Every lock of the volume, read with its modification time.
[[nodiscard]] Result<std::vector<LockFile>> ListLocks(ObjectStore& store, const VolumeKeys& keys);

class VolumeLock {
 public:
  // kLocked with one line naming the holder when a live lock of the other
  // type keeps priority for 30 s; kUnavailable when our own lock is not
  // listed after it was written; kCancelled when *stop is raised while
  // waiting. Whatever fails, our lock file is removed. The lock is refreshed
  // in the background until destroyed (which removes it).
  [[nodiscard]] static Result<std::unique_ptr<VolumeLock>> Acquire(ObjectStore& store, const VolumeKeys& keys,
                                                                   LockType type,
                                                                   const std::atomic<bool>* stop = nullptr);
  ~VolumeLock();
  VolumeLock(const VolumeLock&) = delete;
  VolumeLock& operator=(const VolumeLock&) = delete;
  [[nodiscard]] const std::string& name() const { return name_; }
  // True once a refresh failed: the lock may expire under us, and the
  // operation must stop rather than go on unprotected.
  [[nodiscard]] bool Lost() const { return lost_; }
  // kCancelled when *stop (may be null) is raised, kUnavailable when the
  // lock is lost, else OK: what pipelines check between blocks.
  [[nodiscard]] Status Check(const std::atomic<bool>* stop) const;

 private:
  VolumeLock(ObjectStore& store, VolumeKeys keys, LockType type, std::string name);
  [[nodiscard]] Status Write(bool acquired);
  void RefreshLoop();

  ObjectStore& store_;
  VolumeKeys keys_;
  LockType type_;
  std::string name_;
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  bool written_ = false;  // our file may exist: the destructor removes it
  std::atomic<bool> lost_{false};
  std::string lost_reason_;  // set before lost_
  std::thread refresher_;
};

}  // namespace hort::volumes
