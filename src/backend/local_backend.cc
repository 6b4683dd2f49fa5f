// The local backend: restic's directory layout, durable writes
// (temp file → fsync → rename → fsync dir → read-only).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <cstdio>
#include <string>

#include "backend/backend.h"
#include "crypto/crypto.h"
#include "util/hex.h"

namespace hort {
namespace {

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

// Large files (packs) are written with O_DIRECT through a small aligned
// bounce buffer: the data goes to the device without first being copied into
// page-cache pages, which on this class of machine costs more CPU than
// hashing it (measured: 512 MiB + fsync, 1.48 s buffered vs 0.23 s direct).
// The fsync that follows still makes it durable, and a backup no longer
// evicts the host's useful cache with pack data. Falls back to buffered
// writes where O_DIRECT is refused (tmpfs, some network filesystems).
constexpr size_t kDirectMin = 256u << 10;
constexpr size_t kDirectAlign = 4096;
constexpr size_t kStageSize = 1u << 20;

// Writes a file sequentially through a 1 MiB aligned staging buffer with
// O_DIRECT where the filesystem allows it, buffered otherwise; the last
// partial block is always written buffered.
class DirectWriter {
 public:
  DirectWriter(int fd, std::string path) : fd_(fd), path_(std::move(path)) {
    flags_ = ::fcntl(fd_, F_GETFL);
    void* p = nullptr;
    direct_ = flags_ >= 0 && ::posix_memalign(&p, kDirectAlign, kStageSize) == 0 &&
              ::fcntl(fd_, F_SETFL, flags_ | O_DIRECT) == 0;
    stage_.reset(static_cast<uint8_t*>(p));
  }
  [[nodiscard]] Status Write(std::span<const uint8_t> data) {
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
  // Writes what is staged; the file is complete afterwards.
  [[nodiscard]] Status Finish() {
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

 private:
  Status FlushStage(size_t n) {
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
      if (w != static_cast<ssize_t>(n)) return ErrnoStatus("write " + path_, w < 0 ? errno : EIO);
      break;
    }
    wrote_ = true;
    std::memmove(stage_.get(), stage_.get() + n, staged_ - n);
    staged_ -= n;
    return Status::Ok();
  }
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  int fd_;
  std::string path_;
  int flags_ = -1;
  bool direct_ = false, wrote_ = false;
  std::unique_ptr<uint8_t, Free> stage_;
  size_t staged_ = 0;
};

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

// Makes a completely written temporary file durable and visible under
// `path`: fsync, read-only, rename, fsync of the directory. Closes `fd`.
Status Publish(int fd, const std::string& tmp, const std::string& path) {
  Status st;
  if (::fsync(fd) != 0) st = ErrnoStatus("fsync " + tmp, errno);
  if (st.ok() && ::fchmod(fd, 0400) != 0) st = ErrnoStatus("chmod " + tmp, errno);
  ::close(fd);
  if (st.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) st = ErrnoStatus("rename " + path, errno);
  if (!st.ok()) return st;
  return SyncDir(path.substr(0, path.rfind('/')));
}

// Fills `out` from `offset`; a file that ends first is Corruption.
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

class LocalBackend final : public Backend {
 public:
  explicit LocalBackend(std::string root) : root_(std::move(root)) {
    while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
  }

  std::string Location() const override { return root_; }
  bool ListsConsistently() const override { return true; }
  bool CheapRangeReads() const override { return true; }

  void Prefetch(const Handle& h, uint64_t offset, uint64_t length) override {
    int fd = ::open(PathOf(h).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;  // only a hint: the read that follows reports the error
    struct stat st;
    if (length == 0 && ::fstat(fd, &st) == 0 && static_cast<uint64_t>(st.st_size) > offset) {
      length = static_cast<uint64_t>(st.st_size) - offset;
    }
    // Linux reads ahead at most the device's read-ahead size per call (8 MiB
    // here) and drops the rest, so a 16 MiB pack is asked for in pieces
    // (measured: a cold 1 GiB check 1.45-1.55 -> 1.16-1.27 s).
    constexpr uint64_t kPiece = 4 << 20;
    for (uint64_t at = offset; at < offset + length; at += kPiece) {
      const uint64_t len = std::min(kPiece, offset + length - at);
      (void)::posix_fadvise(fd, static_cast<off_t>(at), static_cast<off_t>(len), POSIX_FADV_WILLNEED);
    }
    ::close(fd);
  }

  Status Create() override {
    struct stat st;
    if (::stat((root_ + "/config").c_str(), &st) == 0) {
      return Status(Code::kAlreadyExists, "repository at " + root_ + " already exists (config file found)");
    }
    HORT_RETURN_IF_ERROR(MkdirAll(root_));
    for (const char* d : {"keys", "snapshots", "index", "locks", "data"}) {
      HORT_RETURN_IF_ERROR(Mkdir(root_ + "/" + d));
    }
    for (int i = 0; i < 256; ++i) {
      char sub[8];
      std::snprintf(sub, sizeof(sub), "%02x", i);
      HORT_RETURN_IF_ERROR(Mkdir(root_ + "/data/" + sub));
    }
    return Status::Ok();
  }

  Status Save(const Handle& h, std::span<const uint8_t> data) override {
    std::string path = PathOf(h);
    std::string dir = path.substr(0, path.rfind('/'));
    uint8_t rnd[8];
    crypto::RandomBytes(rnd);
    std::string tmp = dir + "/.hort-tmp-" + HexEncode(rnd);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == ENOENT) {
      // data/XX may be missing in repositories created by other tools.
      HORT_RETURN_IF_ERROR(MkdirAll(dir));
      fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    }
    if (fd < 0) return ErrnoStatus("create " + tmp, errno);
    Status st;
    if (data.size() >= kDirectMin) {
      DirectWriter w(fd, tmp);
      st = w.Write(data);
      if (st.ok()) st = w.Finish();
    } else {
      st = WriteAll(fd, data, tmp);
    }
    if (st.ok()) {
      st = Publish(fd, tmp, path);
    } else {
      ::close(fd);
    }
    if (!st.ok()) ::unlink(tmp.c_str());
    return st;
  }

  // Packs stream into a temporary file in data/ (not listed: only the
  // two-character subdirectories are) and are renamed into data/XX/ once named.
  std::unique_ptr<BackendUpload> BeginUpload(FileType type) override {
    if (type != FileType::kPack) return nullptr;
    uint8_t rnd[8];
    crypto::RandomBytes(rnd);
    std::string tmp = root_ + "/data/.hort-tmp-" + HexEncode(rnd);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return nullptr;  // Save reports the real problem
    return std::make_unique<LocalUpload>(this, fd, tmp);
  }

  Result<std::vector<uint8_t>> Load(const Handle& h, uint64_t offset, uint64_t length) override {
    std::string path = PathOf(h);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus("open " + path, errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      return ErrnoStatus("stat " + path, err);
    }
    uint64_t size = static_cast<uint64_t>(st.st_size);
    if (offset > size) {
      ::close(fd);
      return Status(Code::kCorruption, path + ": read beyond end of file");
    }
    uint64_t want = length == 0 ? size - offset : length;
    if (offset + want > size) {
      ::close(fd);
      return Status(Code::kCorruption, path + ": file is shorter than expected (truncated?)");
    }
    std::vector<uint8_t> buf(want);
    Status read = ReadAt(fd, path, offset, buf);
    ::close(fd);
    if (!read.ok()) return read;
    return buf;
  }

  Status LoadInto(const Handle& h, uint64_t offset, std::span<uint8_t> out) override {
    std::string path = PathOf(h);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus("open " + path, errno);
    Status read = ReadAt(fd, path, offset, out);
    ::close(fd);
    return read;
  }

  Result<uint64_t> Stat(const Handle& h) override {
    struct stat st;
    std::string path = PathOf(h);
    if (::stat(path.c_str(), &st) != 0) return ErrnoStatus("stat " + path, errno);
    return static_cast<uint64_t>(st.st_size);
  }

  Status List(FileType type, const std::function<void(const std::string&, uint64_t)>& fn) override {
    std::string dir = root_ + "/" + FileTypeDir(type);
    if (type == FileType::kPack) {
      DIR* d = ::opendir(dir.c_str());
      if (!d) return ErrnoStatus("open " + dir, errno);
      std::vector<std::string> subs;
      while (dirent* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n.size() == 2 && n != "..") subs.push_back(n);
      }
      ::closedir(d);
      for (const auto& s : subs) HORT_RETURN_IF_ERROR(ListDir(dir + "/" + s, fn));
      return Status::Ok();
    }
    return ListDir(dir, fn);
  }

  Status Remove(const Handle& h) override {
    std::string path = PathOf(h);
    if (::unlink(path.c_str()) != 0) return ErrnoStatus("remove " + path, errno);
    return Status::Ok();
  }

 private:
  class LocalUpload final : public BackendUpload {
   public:
    LocalUpload(LocalBackend* owner, int fd, std::string tmp)
        : owner_(owner), fd_(fd), tmp_(std::move(tmp)), writer_(fd, tmp_) {}
    ~LocalUpload() override {
      if (fd_ >= 0) ::close(fd_);
      if (!committed_) ::unlink(tmp_.c_str());
    }
    Status Append(std::span<const uint8_t> data) override { return writer_.Write(data); }
    Status Commit(const Handle& h) override {
      std::string path = owner_->PathOf(h);
      std::string dir = path.substr(0, path.rfind('/'));
      HORT_RETURN_IF_ERROR(writer_.Finish());
      HORT_RETURN_IF_ERROR(MkdirAll(dir));
      int fd = fd_;
      fd_ = -1;
      Status s = Publish(fd, tmp_, path);
      committed_ = s.ok();
      return s;
    }

   private:
    LocalBackend* owner_;
    int fd_;
    std::string tmp_;
    DirectWriter writer_;
    bool committed_ = false;
  };

  std::string PathOf(const Handle& h) const {
    if (h.type == FileType::kConfig) return root_ + "/config";
    if (h.type == FileType::kPack) return root_ + "/data/" + h.name.substr(0, 2) + "/" + h.name;
    return root_ + "/" + FileTypeDir(h.type) + "/" + h.name;
  }

  static Status Mkdir(const std::string& path) {
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return ErrnoStatus("mkdir " + path, errno);
    return Status::Ok();
  }

  static Status MkdirAll(const std::string& path) {
    for (size_t pos = 1; pos != std::string::npos;) {
      pos = path.find('/', pos + 1);
      HORT_RETURN_IF_ERROR(Mkdir(path.substr(0, pos)));
    }
    return Status::Ok();
  }

  static Status ListDir(const std::string& dir, const std::function<void(const std::string&, uint64_t)>& fn) {
    DIR* d = ::opendir(dir.c_str());
    if (!d) {
      if (errno == ENOENT) return Status::Ok();
      return ErrnoStatus("open " + dir, errno);
    }
    std::vector<std::pair<std::string, uint64_t>> entries;
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name.empty() || name[0] == '.') continue;  // also skips our temp files
      struct stat st;
      if (::stat((dir + "/" + name).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      entries.emplace_back(name, static_cast<uint64_t>(st.st_size));
    }
    ::closedir(d);
    for (const auto& [name, size] : entries) fn(name, size);
    return Status::Ok();
  }

  std::string root_;
};

}  // namespace

std::unique_ptr<Backend> NewLocalBackend(const std::string& path) {
  return std::make_unique<LocalBackend>(path);
}

}  // namespace hort
