#include "verify/tree_check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>
#include <mutex>
#include <thread>

#include "repository/walk.h"
#include "util/parallel.h"
#include "util/thread_pool.h"

namespace hort {
namespace {

constexpr size_t kMaxFindings = 20;

const char* TypeOf(mode_t m) {
  if (S_ISREG(m)) return "file";
  if (S_ISDIR(m)) return "dir";
  if (S_ISLNK(m)) return "symlink";
  if (S_ISFIFO(m)) return "fifo";
  if (S_ISSOCK(m)) return "socket";
  if (S_ISCHR(m)) return "chardev";
  if (S_ISBLK(m)) return "dev";
  return "irregular";
}

// Content is read back and hashed blob by blob, the way it was cut.
// A file the snapshot keeps unreadable (mode 000) is readable to root only;
// hort as another user (the image's 65532) owns its restored copy and lends
// itself read permission for the re-hash, then puts the mode back.
int OpenToRehash(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd >= 0 || errno != EACCES || ::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
      st.st_uid != ::geteuid() || ::chmod(path.c_str(), (st.st_mode & 07777) | S_IRUSR) != 0) {
    return fd;
  }
  fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  (void)::chmod(path.c_str(), st.st_mode & 07777);
  return fd;
}

// A folder the snapshot keeps closed (0000, or 0200: no search bit) is
// entered by root only; hort as another user owns its restored copy and lends
// itself the search bit while it checks what is inside, then puts the modes
// back, deepest first (a folder's mode is set through its parents).
class LentSearchPermission {
 public:
  ~LentSearchPermission() { GiveBack(); }
  void Enter(const std::string& path, const struct stat& st) {
    if ((st.st_mode & S_IXUSR) || st.st_uid != ::geteuid()) return;
    if (::chmod(path.c_str(), (st.st_mode & 07777) | S_IXUSR) == 0) lent_.emplace_back(path, st.st_mode & 07777);
  }
  void GiveBack() {
    for (auto it = lent_.rbegin(); it != lent_.rend(); ++it) (void)::chmod(it->first.c_str(), it->second);
    lent_.clear();
  }

 private:
  std::vector<std::pair<std::string, mode_t>> lent_;
};

std::string RehashFile(Repository& repo, const std::string& path, const Node& node) {
  int fd = OpenToRehash(path);
  if (fd < 0) return path + ": cannot open to re-hash";
  std::vector<uint8_t> buf;
  uint64_t offset = 0;
  std::string problem;
  for (const Id& id : node.content) {
    auto loc = repo.index().Lookup(id, BlobType::kData);
    if (!loc) {
      problem = path + ": blob " + id.Short() + " is not in the repository's index";
      break;
    }
    buf.resize(loc->PlainLength());
    ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(offset));
    if (n != static_cast<ssize_t>(buf.size()) || Id::Hash(buf) != id) {
      problem = path + ": content differs from the snapshot at offset " + std::to_string(offset);
      break;
    }
    offset += buf.size();
  }
  ::close(fd);
  return problem;
}

}  // namespace

void TreeCheckResult::AddProblem(const std::string& line) {
  ++problems;
  if (findings.size() < kMaxFindings) findings.push_back(line);
}

Result<TreeCheckResult> CheckRestoredTree(Repository& repo, const Snapshot& snapshot, const std::string& dir,
                                          const std::atomic<bool>* cancel) {
  TreeCheckResult out;
  std::mutex mu;
  bool as_root = ::geteuid() == 0;
  LentSearchPermission lent;
  ThreadPool pool(static_cast<size_t>(WorkersFor(0)));
  WaitGroup wg;
  Status walked = WalkTree(repo, snapshot.tree, "", [&](const std::string& snap_path, const Node& n) {
    if (cancel && cancel->load()) return WalkAction::kStop;
    std::string path = dir + snap_path;
    struct stat st;
    std::lock_guard<std::mutex> g(mu);
    if (::lstat(path.c_str(), &st) != 0) {
      out.AddProblem(snap_path + (errno == ENOENT ? ": missing after the restore" : ": cannot be checked: " + std::string(std::strerror(errno))));
      return n.IsDir() ? WalkAction::kSkipSubtree : WalkAction::kContinue;
    }
    if (n.type != TypeOf(st.st_mode)) {
      out.AddProblem(snap_path + ": restored as " + TypeOf(st.st_mode) + ", the snapshot has a " + n.type);
      return n.IsDir() ? WalkAction::kSkipSubtree : WalkAction::kContinue;
    }
    if (n.IsDir()) {
      ++out.dirs;
      if (!as_root) lent.Enter(path, st);
      return WalkAction::kContinue;
    }
    if (n.type == "symlink") {
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      ssize_t len = ::readlink(path.c_str(), target.data(), target.size());
      target.resize(len > 0 ? static_cast<size_t>(len) : 0);
      if (target != n.linktarget) out.AddProblem(snap_path + ": symlink points to \"" + target + "\", not \"" + n.linktarget + "\"");
      ++out.others;
      return WalkAction::kContinue;
    }
    if (!n.IsFile()) {
      ++out.others;
      return WalkAction::kContinue;
    }
    ++out.files;
    out.bytes += n.size;
    if (static_cast<uint64_t>(st.st_size) != n.size) {
      out.AddProblem(snap_path + ": " + std::to_string(st.st_size) + " bytes, the snapshot has " + std::to_string(n.size));
      return WalkAction::kContinue;
    }
    if ((st.st_mode & 07777) != PosixPermFromGoMode(n.mode)) out.AddProblem(snap_path + ": permissions differ from the snapshot");
    if (st.st_mtim.tv_sec != n.mtime.sec || st.st_mtim.tv_nsec != n.mtime.nsec) {
      out.AddProblem(snap_path + ": modification time differs from the snapshot");
    }
    if (as_root && (st.st_uid != n.uid || st.st_gid != n.gid)) out.AddProblem(snap_path + ": owner differs from the snapshot");
    wg.Add();
    pool.Submit([&, path, snap_path, node = n] {
      std::string problem = RehashFile(repo, path, node);
      if (!problem.empty()) {
        std::lock_guard<std::mutex> g2(mu);
        out.AddProblem(snap_path + problem.substr(path.size()));
      }
      wg.Done();
    });
    return WalkAction::kContinue;
  });
  wg.Wait();
  lent.GiveBack();
  HORT_RETURN_IF_ERROR(walked.Annotate("reading the snapshot's trees"));
  if (cancel && cancel->load()) return Status(Code::kCancelled, "validation interrupted");
  return out;
}

}  // namespace hort
