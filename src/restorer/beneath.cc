#include "restorer/beneath.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "format/tree.h"

namespace hort::restore_internal {

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    Reset();
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

void Fd::Reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status TargetRoot::Open(const std::string& target) {
  int fd = ::open(target.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOTDIR) return Status(Code::kIo, "target " + target + " exists and is not a directory");
    return ErrnoStatus("open target " + target, errno);
  }
  root_ = Fd(fd);
  return Status::Ok();
}

int TargetRoot::OpenDir(const std::string& rel, Fd* out) const {
  if (!walk_only_) {
    struct open_how how = {};
    how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    for (int attempt = 0; attempt < 8; ++attempt) {
      const long fd = ::syscall(SYS_openat2, root_.get(), rel.c_str(), &how, sizeof how);
      if (fd >= 0) {
        *out = Fd(static_cast<int>(fd));
        return 0;
      }
      if (errno == EAGAIN || errno == EINTR) continue;  // a concurrent rename somewhere: try again
      // Kernels before 5.6, and seccomp filters that refuse the call.
      if (errno == ENOSYS || errno == EPERM) break;
      return errno;
    }
  }
  return Walk(rel, out);
}

int TargetRoot::Walk(const std::string& rel, Fd* out) const {
  Fd dir;
  int at = root_.get();
  for (size_t begin = 0; begin <= rel.size();) {
    size_t end = rel.find('/', begin);
    if (end == std::string::npos) end = rel.size();
    const std::string part = rel.substr(begin, end - begin);
    begin = end + 1;
    if (part.empty()) continue;
    if (part == "..") return EXDEV;
    int fd = ::openat(at, part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return errno;
    dir = Fd(fd);
    at = dir.get();
  }
  if (dir.get() < 0) return ENOENT;
  *out = std::move(dir);
  return 0;
}

Result<int> DirCursor::DirOf(const Item& it) {
  if (it.parent == kTopLevel) return root_.fd();
  if (it.parent == parent_ && fd_.get() >= 0) return fd_.get();
  fd_.Reset();
  parent_ = kTopLevel;
  const std::string rel = tree_.RelativePath(tree_.items[it.parent]).substr(1);
  if (const int err = root_.OpenDir(rel, &fd_); err != 0) {
    const std::string path = tree_.target + "/" + rel;
    if (err == ELOOP || err == ENOTDIR || err == EXDEV) {
      return Status(Code::kIo, path + " is no longer a directory of the restore (" + std::strerror(err) +
                                   "): nothing is written below it");
    }
    return ErrnoStatus("open directory " + path, err);
  }
  parent_ = it.parent;
  return fd_.get();
}

Status MakeDirAt(int dir, const Item& it, const ItemTree& tree) {
  if (::mkdirat(dir, it.name.c_str(), 0700) == 0) return Status::Ok();
  if (errno != EEXIST) return ErrnoStatus("mkdir " + tree.PathOf(it), errno);
  struct stat st;
  if (::fstatat(dir, it.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode)) {
    return Status(Code::kIo, tree.PathOf(it) + " exists and is not a directory");
  }
  return Status::Ok();
}

Status MakeSpecialAt(int dir, const Item& it, const ItemTree& tree) {
  const char* name = it.name.c_str();
  const uint64_t device = it.extra ? it.extra->device : 0;
  ::unlinkat(dir, name, 0);
  int rc = 0;
  switch (it.kind) {
    case Kind::kSymlink: rc = ::symlinkat(it.extra ? it.extra->linktarget.c_str() : "", dir, name); break;
    case Kind::kFifo: rc = ::mkfifoat(dir, name, 0600); break;
    case Kind::kBlockDevice: rc = ::mknodat(dir, name, S_IFBLK | 0600, static_cast<dev_t>(device)); break;
    case Kind::kCharDevice: rc = ::mknodat(dir, name, S_IFCHR | 0600, static_cast<dev_t>(device)); break;
    default: break;
  }
  return rc == 0 ? Status::Ok() : ErrnoStatus("create " + tree.PathOf(it), errno);
}

namespace {

struct timespec2 {
  struct timespec ts[2];
};
timespec2 TimesOf(const Item& it) {
  return {{{static_cast<time_t>(it.atime.sec), it.atime.nsec}, {static_cast<time_t>(it.mtime.sec), it.mtime.nsec}}};
}

}  // namespace

void SetMetadataOn(int fd, const Item& it, const ItemTree& tree, const std::function<void(const Status&)>& fail) {
  if (::fchown(fd, it.uid, it.gid) != 0 && errno != EPERM) fail(ErrnoStatus("lchown " + tree.PathOf(it), errno));
  if (::fchmod(fd, PosixPermFromGoMode(it.mode)) != 0) fail(ErrnoStatus("chmod " + tree.PathOf(it), errno));
  if (it.extra) {
    for (const auto& xa : it.extra->xattrs) {
      if (::fsetxattr(fd, xa.name.c_str(), xa.value.data(), xa.value.size(), 0) != 0 && errno != ENOTSUP &&
          errno != EPERM) {
        fail(ErrnoStatus("setxattr " + xa.name + " on " + tree.PathOf(it), errno));
      }
    }
  }
  const timespec2 t = TimesOf(it);
  if (::futimens(fd, t.ts) != 0) fail(ErrnoStatus("utimes " + tree.PathOf(it), errno));
}

namespace {

// By name in `dir`, never following it.
void SetMetadataByName(int dir, const Item& it, const ItemTree& tree,
                       const std::function<void(const Status&)>& fail) {
  const char* name = it.name.c_str();
  if (::fchownat(dir, name, it.uid, it.gid, AT_SYMLINK_NOFOLLOW) != 0 && errno != EPERM) {
    fail(ErrnoStatus("lchown " + tree.PathOf(it), errno));
  }
  // A link's own mode cannot be set on Linux. glibc's AT_SYMLINK_NOFOLLOW
  // pins the item through an O_PATH descriptor (EOPNOTSUPP for a link, or
  // without /proc).
  if (it.kind != Kind::kSymlink && ::fchmodat(dir, name, PosixPermFromGoMode(it.mode), AT_SYMLINK_NOFOLLOW) != 0) {
    fail(errno == EOPNOTSUPP ? Status(Code::kIo, "chmod " + tree.PathOf(it) + ": not settable without following a link")
                             : ErrnoStatus("chmod " + tree.PathOf(it), errno));
  }
  if (it.extra && !it.extra->xattrs.empty()) {
    // There is no lsetxattrat: the directory's /proc link stands for the
    // directory itself (never resolved again); the name is not followed.
    std::string at = "/proc/self/fd/" + std::to_string(dir) + "/" + it.name;
    if (::access("/proc/self/fd", X_OK) != 0) at = tree.PathOf(it);
    for (const auto& xa : it.extra->xattrs) {
      if (::lsetxattr(at.c_str(), xa.name.c_str(), xa.value.data(), xa.value.size(), 0) != 0 && errno != ENOTSUP &&
          errno != EPERM) {
        fail(ErrnoStatus("setxattr " + xa.name + " on " + tree.PathOf(it), errno));
      }
    }
  }
  const timespec2 t = TimesOf(it);
  if (::utimensat(dir, name, t.ts, AT_SYMLINK_NOFOLLOW) != 0) fail(ErrnoStatus("utimes " + tree.PathOf(it), errno));
}

}  // namespace

void SetMetadataAt(int dir, const Item& it, const ItemTree& tree, const std::function<void(const Status&)>& fail) {
  if (it.IsFile() || it.IsDir()) {
    // O_NONBLOCK: should the name have become a FIFO, the open does not wait.
    const int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | (it.IsDir() ? O_DIRECTORY : 0);
    const Fd fd(::openat(dir, it.name.c_str(), flags));
    if (fd.get() >= 0) return SetMetadataOn(fd.get(), it, tree, fail);
    if (errno == ELOOP || errno == ENOTDIR) {
      return fail(Status(Code::kIo, tree.PathOf(it) + " was replaced during the restore (" + std::strerror(errno) +
                                        "): its metadata is not set"));
    }
    // Not readable (a directory that was already in the target): by name.
  }
  SetMetadataByName(dir, it, tree, fail);
}

}  // namespace hort::restore_internal
