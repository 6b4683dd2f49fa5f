#include "repository/lock.h"

#include <signal.h>
#include <unistd.h>
#include <pwd.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "util/log.h"

namespace hort {
namespace {
constexpr int64_t kStaleAfterSeconds = 30 * 60;

std::string ThisHost() {
  char buf[256] = {};
  ::gethostname(buf, sizeof(buf) - 1);
  return buf;
}

// Returns a conflict description, or empty if none.
Result<std::string> FindConflict(Repository& repo, bool exclusive, const Id& own) {
  std::vector<std::string> names;
  HORT_RETURN_IF_ERROR(repo.backend().List(FileType::kLock, [&](const std::string& n, uint64_t) { names.push_back(n); }));
  for (const auto& name : names) {
    if (name == own.Hex()) continue;
    auto text = repo.LoadUnpacked(FileType::kLock, name);
    if (!text.ok()) continue;  // removed meanwhile or unreadable: not a live lock
    auto lock = DecodeLock(*text);
    if (!lock.ok()) continue;
    if (LockIsStale(*lock)) {
      // A stale lock must not block every later run (k8up #456): remove it.
      if (repo.backend().Remove({FileType::kLock, name}).ok()) {
        LogInfo("removed stale lock " + name.substr(0, 8) + " of PID " + std::to_string(lock->pid) + " on " +
                lock->hostname);
      }
      continue;
    }
    if (exclusive || lock->exclusive) {
      return std::string(lock->exclusive ? "exclusive" : "shared") + " lock " + name.substr(0, 8) + " held by " +
             lock->username + "@" + lock->hostname + " (PID " + std::to_string(lock->pid) + ") since " +
             gojson::FormatRfc3339Nano(lock->time);
    }
  }
  return std::string();
}
}  // namespace

bool LockIsStale(const LockFile& lock) {
  auto now = gojson::Now();
  if (now.sec - lock.time.sec > kStaleAfterSeconds) return true;
  if (lock.hostname == ThisHost() && lock.pid > 0) {
    if (::kill(static_cast<pid_t>(lock.pid), 0) != 0 && errno == ESRCH) return true;
  }
  return false;
}

RepoLock::~RepoLock() { (void)repo_.backend().Remove({FileType::kLock, id_.Hex()}); }

Result<std::unique_ptr<RepoLock>> AcquireLock(Repository& repo, bool exclusive) {
  HORT_ASSIGN_OR_RETURN(std::string conflict, FindConflict(repo, exclusive, Id{}));
  if (!conflict.empty()) return Status(Code::kLocked, "repository is already locked: " + conflict);
  LockFile lf;
  lf.time = gojson::Now();
  lf.exclusive = exclusive;
  lf.hostname = ThisHost();
  if (passwd* pw = ::getpwuid(::getuid())) lf.username = pw->pw_name;
  lf.pid = ::getpid();
  lf.uid = ::getuid();
  lf.gid = ::getgid();
  HORT_ASSIGN_OR_RETURN(Id id, repo.SaveUnpacked(FileType::kLock, EncodeLock(lf)));
  std::unique_ptr<RepoLock> lock(new RepoLock(repo, id));
  // Like restic: wait briefly, then look again for a lock that raced with ours.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  HORT_ASSIGN_OR_RETURN(conflict, FindConflict(repo, exclusive, id));
  if (!conflict.empty()) return Status(Code::kLocked, "repository is already locked: " + conflict);
  return lock;
}

}  // namespace hort
