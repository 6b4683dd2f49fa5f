// Writing files so that they survive a crash and appear whole or not at all:
// the local store's Save follows restic's local backend (temporary file →
// fsync → read-only → rename → fsync dir); its streamed uploads (packs) put
// the two fsyncs off into a SyncBatch.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "util/status.h"

namespace hort {

// Writes all of `data` to `fd` (retrying short writes and EINTR).
[[nodiscard]] Status WriteAll(int fd, std::span<const uint8_t> data, const std::string& path);

// Files at least this large (packs) go through DirectWriter.
constexpr size_t kDirectWriteMin = 256u << 10;

// Large files (packs) are written with O_DIRECT through a small aligned
// bounce buffer: the data goes to the device without first being copied into
// page-cache pages, which on this class of machine costs more CPU than
// hashing it (measured: 512 MiB + fsync, 1.48 s buffered vs 0.23 s direct).
// The fsync that follows still makes it durable, and a backup no longer
// evicts the host's useful cache with pack data. Falls back to buffered
// writes where O_DIRECT is refused (tmpfs, some network filesystems); the
// last partial block is always written buffered.
class DirectWriter {
 public:
  DirectWriter(int fd, std::string path);
  [[nodiscard]] Status Write(std::span<const uint8_t> data);
  // Writes what is staged; the file is complete afterwards.
  [[nodiscard]] Status Finish();
  // A failure stays: every later Write or Finish returns it. Where the
  // failed write stopped is unknown, so a retried Finish must never report a
  // file complete that lacks bytes (a streamed pack's Commit is retried).

 private:
  Status WriteStaged(std::span<const uint8_t> data);
  Status FinishStaged();
  Status FlushStage(size_t n);
  struct Free {
    void operator()(uint8_t* p) const;
  };
  int fd_;
  std::string path_;
  int flags_ = -1;
  bool direct_ = false, wrote_ = false;
  std::unique_ptr<uint8_t, Free> stage_;
  size_t staged_ = 0;
  Status failed_;
};

// fsync of a folder, so a rename in it survives a crash.
[[nodiscard]] Status SyncDir(const std::string& dir);

// The folder part of a path ("a/b/c" -> "a/b").
[[nodiscard]] inline std::string ParentOf(const std::string& path) { return path.substr(0, path.rfind('/')); }

// Makes a completely written temporary file read-only and visible under
// `path`, not yet durable (SyncBatch makes it so). Leaves `fd` open.
[[nodiscard]] Status PublishUnsynced(int fd, const std::string& tmp, const std::string& path);

// Makes a completely written temporary file durable and visible under
// `path`: fsync, read-only, rename, fsync of the folder. Closes `fd`.
[[nodiscard]] Status Publish(int fd, const std::string& tmp, const std::string& path);

// Streamed files (packs) renamed to their final names whose fsync is put
// off: synced together, the disk's cache is flushed for many files at once
// where each file cost two flushes (the file's and its folder's), and each
// of those stalled the disk for the next pack's writes (a first backup of a user's folder, medians
// of 10 alternating runs: 4.81 -> 4.56 s; docs/performance.md). The store syncs the batch when asked
// (LocalStore::SyncUploads, which the restic layout calls before it saves or
// removes anything but a lock), so nothing that names these files (an
// index) can reach the disk before they do. A power loss may leave one
// cut short under its final name, which no index names: check counts it as
// unreferenced, prune removes it, repair index checks its hash first.
class SyncBatch {
 public:
  static constexpr size_t kMaxFiles = 64;  // also bounds the open files kept

  SyncBatch() = default;
  // Closes what is left unsynced: nothing durable names those files.
  ~SyncBatch();
  SyncBatch(const SyncBatch&) = delete;
  SyncBatch& operator=(const SyncBatch&) = delete;

  // Takes over `fd`, open on the file just renamed to `path`. True when the
  // batch is full and should be synced.
  [[nodiscard]] bool Add(int fd, std::string path);
  // fsync of every file added, then of each folder they were renamed into;
  // closes the files. Returns once everything added before the call is
  // durable, also what another thread's Sync is still writing. A failure
  // stays: every later Sync returns it, as what was added may not be on disk.
  [[nodiscard]] Status Sync();

 private:
  std::mutex mu_;       // guards files_
  std::mutex sync_mu_;  // held through a Sync; guards failed_
  std::vector<std::pair<int, std::string>> files_;
  Status failed_;
};

// Fills `out` from `offset`; a file that ends first is kCorruption.
[[nodiscard]] Status ReadAt(int fd, const std::string& path, uint64_t offset, std::span<uint8_t> out);

// mkdir (0700) of `path` and of every missing parent; existing ones are fine.
[[nodiscard]] Status MkdirAll(const std::string& path);

// The temporary files this process is writing in local folders (a pack
// streamed into `.hort-tmp-*`): an interrupt (SIGINT, SIGTERM) removes them
// before the process exits, as a dropped upload does, so ^C leaves no partial
// pack behind. A writer tracks its file from creation until its rename or
// removal.
void TrackOwnTempFile(const std::string& path);
void ForgetOwnTempFile(const std::string& path);
// Called once, by the thread that exits the process after a signal.
void RemoveOwnTempFilesForExit();

}  // namespace hort
