// Longhorn's backupstore locks (longhorn/backupstore lock.go): a file
// locks/lock-<16 hex>.lck holding {"Name":…,"Type":1|2,"Acquired":bool}.
// Type 1 (backup and restore alike; hort's verify too) and type 2 (delete
// and garbage collection) exclude each other; locks of one type do not.
// A lock expires 150 s after its file was last written; holders rewrite it
// every 60 s. Acquiring is one attempt, as in Longhorn: write, wait until
// the listing can be trusted, list, give way to an older live lock of the
// other type.
#pragma once

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

// Every lock of the volume, read with its modification time.
[[nodiscard]] Result<std::vector<LockFile>> ListLocks(ObjectStore& store, const VolumeKeys& keys);

class VolumeLock {
 public:
  // kLocked with one line naming the holder when a live lock of the other
  // type has priority. The lock is refreshed in the background until destroyed.
  [[nodiscard]] static Result<std::unique_ptr<VolumeLock>> Acquire(ObjectStore& store, const VolumeKeys& keys,
                                                                   LockType type);
  ~VolumeLock();
  VolumeLock(const VolumeLock&) = delete;
  VolumeLock& operator=(const VolumeLock&) = delete;
  [[nodiscard]] const std::string& name() const { return name_; }

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
  std::thread refresher_;
};

}  // namespace hort::volumes
