#include "objstore/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

namespace hort {
namespace {

constexpr size_t kDirectAlign = 4096;
constexpr size_t kStageSize = 1u << 20;

}  // namespace

Status WriteAll(int fd, std::span<const uint8_t> data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write " + path, errno);
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

namespace {

// Stage buffers are kept for the next writer, never freed: glibc reuses
// freed posix_memalign blocks badly (each thread's arena grew by ~1 MiB per
// file written; a volume backup of 210 blocks ended 30 MiB larger), and
// the number alive is that of files written at once.
class StagePool {
 public:
  uint8_t* Get() {
    {
      std::lock_guard lock(mu_);
      if (!free_.empty()) {
        uint8_t* p = free_.back();
        free_.pop_back();
        return p;
      }
    }
    void* p = nullptr;
    return ::posix_memalign(&p, kDirectAlign, kStageSize) == 0 ? static_cast<uint8_t*>(p) : nullptr;
  }
  void Put(uint8_t* p) {
    std::lock_guard lock(mu_);
    free_.push_back(p);
  }

 private:
  std::mutex mu_;
  std::vector<uint8_t*> free_;
};

StagePool& Stages() {
  static auto* pool = new StagePool;  // outlives every writer, also at exit
  return *pool;
}

}  // namespace

void DirectWriter::Free::operator()(uint8_t* p) const { Stages().Put(p); }

DirectWriter::DirectWriter(int fd, std::string path) : fd_(fd), path_(std::move(path)) {
  flags_ = ::fcntl(fd_, F_GETFL);
  stage_.reset(Stages().Get());
  direct_ = flags_ >= 0 && stage_ != nullptr && ::fcntl(fd_, F_SETFL, flags_ | O_DIRECT) == 0;
}

Status DirectWriter::Write(std::span<const uint8_t> data) {
  if (!failed_.ok()) return failed_;
  failed_ = WriteStaged(data);
  return failed_;
}

Status DirectWriter::Finish() {
  if (!failed_.ok()) return failed_;
  failed_ = FinishStaged();
  return failed_;
}

Status DirectWriter::WriteStaged(std::span<const uint8_t> data) {
  if (!direct_ && staged_ == 0) return WriteAll(fd_, data, path_);
  while (!data.empty()) {
    size_t n = std::min(kStageSize - staged_, data.size());
    std::memcpy(stage_.get() + staged_, data.data(), n);
    staged_ += n;
    data = data.subspan(n);
    if (staged_ == kStageSize) HORT_RETURN_IF_ERROR(FlushStage(kStageSize));
  }
  return Status::Ok();
}

Status DirectWriter::FinishStaged() {
  if (direct_) {
    size_t aligned = staged_ / kDirectAlign * kDirectAlign;
    if (aligned > 0) HORT_RETURN_IF_ERROR(FlushStage(aligned));
    if (direct_) {
      direct_ = false;
      if (::fcntl(fd_, F_SETFL, flags_) != 0) return ErrnoStatus("fcntl " + path_, errno);
    }
  }
  Status s = WriteAll(fd_, std::span<const uint8_t>(stage_.get(), staged_), path_);
  staged_ = 0;
  return s;
}

Status DirectWriter::FlushStage(size_t n) {
  for (;;) {
    ssize_t w = ::write(fd_, stage_.get(), n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && !wrote_ && (errno == EINVAL || errno == EOPNOTSUPP)) {
      // O_DIRECT accepted at open but refused at write: go buffered.
      direct_ = false;
      if (::fcntl(fd_, F_SETFL, flags_) != 0) return ErrnoStatus("fcntl " + path_, errno);
      HORT_RETURN_IF_ERROR(WriteAll(fd_, std::span<const uint8_t>(stage_.get(), staged_), path_));
      staged_ = 0;
      return Status::Ok();
    }
    if (w >= 0 && w < static_cast<ssize_t>(n)) {
      // A short write is the disk filling up. The rest cannot go on with
      // O_DIRECT (the offset is no longer aligned): writing it buffered
      // either succeeds or fails with the real cause (ENOSPC), never a
      // made-up EIO that reads as failing hardware.
      direct_ = false;
      if (::fcntl(fd_, F_SETFL, flags_) != 0) return ErrnoStatus("fcntl " + path_, errno);
      wrote_ = true;
      HORT_RETURN_IF_ERROR(WriteAll(fd_, std::span<const uint8_t>(stage_.get() + w, staged_ - static_cast<size_t>(w)), path_));
      staged_ = 0;
      return Status::Ok();
    }
    if (w < 0) return ErrnoStatus("write " + path_, errno);
    break;
  }
  wrote_ = true;
  std::memmove(stage_.get(), stage_.get() + n, staged_ - n);
  staged_ -= n;
  return Status::Ok();
}

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open " + dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  // Some filesystems do not support fsync on directories.
  if (rc != 0 && err != EINVAL && err != ENOTSUP) return ErrnoStatus("fsync " + dir, err);
  return Status::Ok();
}

Status PublishUnsynced(int fd, const std::string& tmp, const std::string& path) {
  if (::fchmod(fd, 0400) != 0) return ErrnoStatus("chmod " + tmp, errno);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return ErrnoStatus("rename " + path, errno);
  return Status::Ok();
}

Status Publish(int fd, const std::string& tmp, const std::string& path) {
  Status st;
  if (::fsync(fd) != 0) st = ErrnoStatus("fsync " + tmp, errno);
  if (st.ok()) st = PublishUnsynced(fd, tmp, path);
  ::close(fd);
  if (!st.ok()) return st;
  return SyncDir(ParentOf(path));
}

SyncBatch::~SyncBatch() {
  for (auto& [fd, path] : files_) ::close(fd);
}

bool SyncBatch::Add(int fd, std::string path) {
  std::lock_guard lock(mu_);
  files_.emplace_back(fd, std::move(path));
  return files_.size() >= kMaxFiles;
}

Status SyncBatch::Sync() {
  std::lock_guard sync_lock(sync_mu_);
  std::vector<std::pair<int, std::string>> files;
  {
    std::lock_guard lock(mu_);
    files.swap(files_);
  }
  Status st = failed_;
  std::vector<std::string> dirs;
  for (auto& [fd, path] : files) {
    if (st.ok() && ::fsync(fd) != 0) st = ErrnoStatus("fsync " + path, errno);
    ::close(fd);
    dirs.push_back(ParentOf(path));
  }
  // The folders' fsyncs make the renames durable; after the files' they
  // usually find little left to write.
  std::sort(dirs.begin(), dirs.end());
  dirs.erase(std::unique(dirs.begin(), dirs.end()), dirs.end());
  for (const std::string& dir : dirs) {
    if (st.ok()) st = SyncDir(dir);
  }
  failed_ = st;
  return st;
}

Status ReadAt(int fd, const std::string& path, uint64_t offset, std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) return Status(Code::kCorruption, path + ": file is shorter than expected (truncated?)");
    if (n < 0) return ErrnoStatus("read " + path, errno);
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

namespace {
Status Mkdir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return ErrnoStatus("mkdir " + path, errno);
  return Status::Ok();
}
}  // namespace

Status MkdirAll(const std::string& path) {
  // Usually the folder or its parent exists: one call then does it.
  if (::mkdir(path.c_str(), 0700) == 0 || errno == EEXIST) return Status::Ok();
  if (errno != ENOENT) return ErrnoStatus("mkdir " + path, errno);
  for (size_t pos = 0; pos != std::string::npos;) {
    pos = path.find('/', pos + 1);
    HORT_RETURN_IF_ERROR(Mkdir(path.substr(0, pos)));
  }
  return Status::Ok();
}

namespace {
std::mutex g_own_temp_mu;
std::vector<std::string>& OwnTempFiles() {
  static auto* files = new std::vector<std::string>();  // never destroyed: the exit path may still use it
  return *files;
}
}  // namespace

void TrackOwnTempFile(const std::string& path) {
  std::lock_guard lock(g_own_temp_mu);
  OwnTempFiles().push_back(path);
}

void ForgetOwnTempFile(const std::string& path) {
  std::lock_guard lock(g_own_temp_mu);
  auto& files = OwnTempFiles();
  if (auto it = std::find(files.begin(), files.end(), path); it != files.end()) files.erase(it);
}

void RemoveOwnTempFilesForExit() {
  // Held until the process exits: a writer finishing meanwhile waits in
  // Forget rather than renaming a file this already removed.
  g_own_temp_mu.lock();
  for (const std::string& path : OwnTempFiles()) (void)::unlink(path.c_str());
  OwnTempFiles().clear();
}

}  // namespace hort
