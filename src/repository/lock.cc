#include "repository/lock.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pwd.h>

#include <algorithm>
#include <cstdlib>
#include <cerrno>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "backend/forwarding_backend.h"
#include "util/log.h"
#include "util/read_file.h"
#include "util/strings.h"

namespace hort {
namespace {
constexpr int64_t kStaleAfterSeconds = 30 * 60;
// restic's wait before the second look on a store that may list late.
constexpr auto kListSettle = std::chrono::milliseconds(200);

Status LockedBy(const std::string& conflict) {
  return Status(Code::kLocked, "repository is already locked: " + conflict +
                                   "; if no other hort or restic uses it, `unlock` removes a stale lock, and "
                                   "`--retry-lock 5m` waits for a running one");
}

// A streamed pack whose bytes wait for the lock's second look before they
// reach the store. An Append the upload only buffers (S3 below a part) goes
// on: on S3 a pack is one PUT at Commit, so the workers fill the first packs
// during restic's 200 ms instead of stopping once a pack's queue is full
// (a core idled through it). The buffers are the upload's own, bounded as
// ever; Commit still waits, and fails with the look's error.
class GatedUpload final : public BackendUpload {
 public:
  GatedUpload(std::unique_ptr<BackendUpload> inner, std::shared_future<Status> confirmed)
      : inner_(std::move(inner)), confirmed_(std::move(confirmed)) {}
  Status Append(std::span<const uint8_t> data) override {
    if (inner_->NextAppendSends()) HORT_RETURN_IF_ERROR(confirmed_.get());
    return inner_->Append(data);
  }
  Status Commit(const Handle& h) override {
    HORT_RETURN_IF_ERROR(confirmed_.get());
    return inner_->Commit(h);
  }
  bool NextAppendSends() const override { return inner_->NextAppendSends(); }

 private:
  std::unique_ptr<BackendUpload> inner_;
  std::shared_future<Status> confirmed_;
};

// Holds every write but those of lock files until the lock's second look
// has answered, and fails them with its error (LockSettle::kBehindReads).
class WriteGate final : public ForwardingBackend {
 public:
  WriteGate(std::unique_ptr<Backend> inner, std::shared_future<Status> confirmed)
      : ForwardingBackend(std::move(inner)), confirmed_(std::move(confirmed)) {}
  // Gated at its first Append, not here: BeginUpload runs under a packer's
  // lock, and the pack may take blobs while the look is still out.
  std::unique_ptr<BackendUpload> BeginUpload(FileType type, bool tree_pack) override {
    auto upload = target_->BeginUpload(type, tree_pack);
    if (!upload || type == FileType::kLock) return upload;
    return std::make_unique<GatedUpload>(std::move(upload), confirmed_);
  }
  Status Create() override {
    HORT_RETURN_IF_ERROR(confirmed_.get());
    return target_->Create();
  }
  Status Save(const Handle& h, std::span<const uint8_t> data) override {
    if (h.type != FileType::kLock) HORT_RETURN_IF_ERROR(confirmed_.get());
    return target_->Save(h, data);
  }
  Status Remove(const Handle& h) override {
    if (h.type != FileType::kLock) HORT_RETURN_IF_ERROR(confirmed_.get());
    return target_->Remove(h);
  }
  Status RemoveStaged(const std::string& name) override {
    HORT_RETURN_IF_ERROR(confirmed_.get());
    return target_->RemoveStaged(name);
  }

 private:
  std::shared_future<Status> confirmed_;
};

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
    if (LockIsStale(*lock, StaleRule::kAutomatic)) {
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

std::string ThisPidNamespace() {
  // Fixed for the process's life: read once, not for every lock looked at.
  static const std::string here = []() -> std::string {
    struct stat st {};
    if (::stat("/proc/self/ns/pid", &st) != 0) return "";
    // Namespace inodes repeat across machines and boots (the first one is the
    // same everywhere): the boot's own random ID tells them apart.
    auto boot = ReadWholeFile("/proc/sys/kernel/random/boot_id", "boot id");
    if (!boot.ok()) return "";
    const std::string id = TrimSpace(*boot);
    if (id.empty()) return "";
    return id + ":" + std::to_string(static_cast<uint64_t>(st.st_ino));
  }();
  return here;
}

std::string ThisContainer() {
  const char* pod_uid = std::getenv("HORT_POD_UID");
  const char* name = std::getenv("HORT_CONTAINER_NAME");
  if (pod_uid == nullptr || name == nullptr || *pod_uid == '\0' || *name == '\0') return "";
  return std::string(pod_uid) + "/" + name;
}

namespace {
// The kubelet runs one instance of a pod's container at a time, and each
// instance gets a PID namespace of its own (unless the pod shares one): a
// lock of this container from another namespace was left by an instance
// killed before this one started (OOM, SIGKILL). A proof, not a guess, so
// it holds for both rules; without it the restarted container's runs wait
// out the 30 minutes.
bool LeftByAnEarlierInstanceOfThisContainer(const LockFile& lock) {
  const std::string here = ThisContainer();
  return !here.empty() && lock.container == here && !lock.pid_namespace.empty() && !ThisPidNamespace().empty() &&
         lock.pid_namespace != ThisPidNamespace();
}
}  // namespace

bool LockIsStale(const LockFile& lock, StaleRule rule) {
  auto now = gojson::Now();
  if (now.sec - lock.time.sec > kStaleAfterSeconds) return true;
  if (lock.hostname != ThisHost()) return false;
  if (LeftByAnEarlierInstanceOfThisContainer(lock)) return true;
  if (lock.pid <= 0) return false;
  // A PID is only looked up where it means the same process: restic's
  // unlock trusts the host name, an automatic removal also wants the PID
  // namespace hort records (a sidecar or a hostNetwork pod shares the host
  // name, not the PIDs; removing its live lock lets a prune delete what its
  // backup is writing).
  if (rule == StaleRule::kAutomatic && (lock.pid_namespace.empty() || lock.pid_namespace != ThisPidNamespace())) {
    return false;
  }
  return ::kill(static_cast<pid_t>(lock.pid), 0) != 0 && errno == ESRCH;
}

namespace {
Result<Id> WriteLock(Repository& repo, bool exclusive) {
  LockFile lf;
  lf.time = gojson::Now();
  lf.exclusive = exclusive;
  lf.hostname = ThisHost();
  if (passwd* pw = ::getpwuid(::getuid())) lf.username = pw->pw_name;
  lf.pid = ::getpid();
  lf.uid = ::getuid();
  lf.gid = ::getgid();
  lf.pid_namespace = ThisPidNamespace();
  lf.container = ThisContainer();
  return repo.SaveUnpacked(FileType::kLock, EncodeLock(lf));
}

constexpr auto kRefreshInterval = std::chrono::minutes(5);

// The locks this process holds, for an interrupt's cleanup
// (RemoveHeldLocksForExit). A lock leaves the list before it is torn down,
// and its repository outlives it, so what is listed can be used.
std::mutex g_held_mu;
std::vector<RepoLock*> g_held;
}  // namespace

void RemoveHeldLocksForExit() {
  std::lock_guard held(g_held_mu);
  for (RepoLock* l : g_held) (void)l->repo_.backend().Remove({FileType::kLock, l->id().Hex()});
}

RepoLock::RepoLock(Repository& repo, Id id, bool exclusive)
    : repo_(repo), exclusive_(exclusive), id_(id), refresher_([this] { RefreshLoop(); }) {
  std::lock_guard held(g_held_mu);
  g_held.push_back(this);
}

RepoLock::~RepoLock() {
  {
    std::lock_guard held(g_held_mu);
    g_held.erase(std::remove(g_held.begin(), g_held.end(), this), g_held.end());
  }
  // A command that failed before Flush may have packs still being stored
  // in the background: they are done (or failed) before the lock goes, so
  // nothing is written unlocked.
  repo_.WaitForPackCommits();
  if (confirmer_.joinable()) confirmer_.join();
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  refresher_.join();
  (void)repo_.backend().Remove({FileType::kLock, id().Hex()});
}

Id RepoLock::id() const {
  std::lock_guard lock(mu_);
  return id_;
}

void RepoLock::RefreshLoop() {
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, kRefreshInterval, [&] { return stop_; })) {
    // Like restic: write a fresh lock file, then remove the old one.
    lock.unlock();
    auto fresh = WriteLock(repo_, exclusive_);
    lock.lock();
    if (!fresh.ok()) {
      LogWarning("could not refresh the repository lock: " + fresh.status().message());
      continue;
    }
    Id old = id_;
    id_ = *fresh;
    lock.unlock();
    (void)repo_.backend().Remove({FileType::kLock, old.Hex()});
    lock.lock();
  }
}

Status RepoLock::Confirmed() const { return confirmed_.valid() ? confirmed_.get() : Status::Ok(); }

void RepoLock::ConfirmBehindReads() {
  auto answer = std::make_shared<std::promise<Status>>();
  confirmed_ = answer->get_future().share();
  repo_.WrapBackend([&](std::unique_ptr<Backend> inner) {
    return std::unique_ptr<Backend>(new WriteGate(std::move(inner), confirmed_));
  });
  confirmer_ = std::thread([this, answer] {
    std::this_thread::sleep_for(kListSettle);
    auto conflict = FindConflict(repo_, exclusive_, id());
    if (!conflict.ok()) answer->set_value(conflict.status());
    else answer->set_value(conflict->empty() ? Status::Ok() : LockedBy(*conflict));
  });
}

Result<std::unique_ptr<RepoLock>> AcquireLock(Repository& repo, bool exclusive, std::chrono::seconds retry,
                                              LockSettle settle) {
  auto deadline = std::chrono::steady_clock::now() + retry;
  auto delay = std::chrono::milliseconds(500);
  for (;;) {
    HORT_ASSIGN_OR_RETURN(std::string conflict, FindConflict(repo, exclusive, Id{}));
    if (conflict.empty()) {
      HORT_ASSIGN_OR_RETURN(Id id, WriteLock(repo, exclusive));
      std::unique_ptr<RepoLock> lock(new RepoLock(repo, id, exclusive));
      // Like restic: wait briefly, then look again for a lock that raced with
      // ours. On a consistently listing backend the second look alone is
      // enough: of two racing processes, the later lister sees the other's lock.
      if (!repo.backend().ListsConsistently()) {
        if (settle == LockSettle::kBehindReads && retry.count() == 0) {
          lock->ConfirmBehindReads();
          return lock;
        }
        std::this_thread::sleep_for(kListSettle);
      }
      HORT_ASSIGN_OR_RETURN(conflict, FindConflict(repo, exclusive, id));
      if (conflict.empty()) return lock;
      lock.reset();  // back off and retry
    }
    if (std::chrono::steady_clock::now() + delay > deadline) {
      return LockedBy(conflict);
    }
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, std::chrono::milliseconds(10000));
  }
}

Result<UnlockResult> RemoveLocks(Repository& repo, bool remove_all) {
  std::vector<std::string> names;
  HORT_RETURN_IF_ERROR(repo.backend().List(FileType::kLock, [&](const std::string& n, uint64_t) { names.push_back(n); }));
  UnlockResult r;
  for (const auto& name : names) {
    if (!remove_all) {
      auto text = repo.LoadUnpacked(FileType::kLock, name);
      if (!text.ok()) continue;
      auto lock = DecodeLock(*text);
      if (!lock.ok() || !LockIsStale(*lock, StaleRule::kUnlock)) continue;
    }
    if (repo.backend().Remove({FileType::kLock, name}).ok()) r.removed++;
  }
  return r;
}

}  // namespace hort
