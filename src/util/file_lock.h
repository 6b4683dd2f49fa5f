// An advisory lock on a file (flock), held while the object lives: one
// `hort serve` per catalog state. The kernel drops it when the process ends,
// however it ends, so a killed daemon never leaves it behind.
#pragma once

#include <string>

#include "util/status.h"

namespace hort {

class FileLock {
 public:
  // Takes the lock without waiting and writes this process's PID into the
  // file; kLocked naming the holder's PID when another process has it.
  [[nodiscard]] static Result<FileLock> TryAcquire(const std::string& path);

  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock& operator=(FileLock&&) = delete;
  FileLock(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace hort
