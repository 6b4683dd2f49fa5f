#include "volumes/lock.h"

#include <chrono>
#include <ctime>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace hort::volumes {
namespace {

const char* Operation(int type) { return type == 2 ? "delete" : "backup/restore"; }

std::mutex g_timing_mu;
LockTiming g_timing;

LockTiming Timing() {
  std::lock_guard guard(g_timing_mu);
  return g_timing;
}

// Sleeps `d` in short steps; false when *stop was raised.
bool SleepUnlessStopped(std::chrono::milliseconds d, const std::atomic<bool>* stop) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
    if (stop && *stop) return false;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        std::chrono::milliseconds(100), until - std::chrono::steady_clock::now()));
  }
  return !(stop && *stop);
}

}  // namespace

bool LockHasPriority(const LockFile& a, const LockFile& b) {
  if (a.acquired != b.acquired) return a.acquired;
  if (a.modified != b.modified) return a.modified < b.modified;  // 0 (unknown) first
  return a.name < b.name;
}

void SetLockTimingForTests(const LockTiming& t) {
  std::lock_guard guard(g_timing_mu);
  g_timing = t;
}

void SetLockMaxWait(std::chrono::milliseconds max_wait) {
  std::lock_guard guard(g_timing_mu);
  g_timing.max_wait = max_wait;
}

Result<std::vector<LockFile>> ListLocks(ObjectStore& store, const VolumeKeys& keys) {
  std::vector<std::string> names;
  HORT_RETURN_IF_ERROR(store.List(keys.LocksPrefix(), [&](const std::string& key, uint64_t) {
    if (auto n = LockNameOfKey(key)) names.push_back(*n);
  }));
  std::vector<LockFile> locks;
  for (const std::string& n : names) {
    LockFile l;
    l.name = n;
    auto body = store.Load(keys.Lock(n));
    if (body.status().code() == Code::kNotFound) continue;  // released meanwhile
    if (!body.ok()) return body.status();
    try {
      auto j = nlohmann::json::parse(body->begin(), body->end());
      // An integer only: get<int>() of a float out of int's range ("Type": 1e300,
      // a damaged or foreign file) is undefined behaviour.
      const auto& type = j.at("Type");
      if (!type.is_number_integer() || type.get<int64_t>() < 0 || type.get<int64_t>() > 255) {
        throw std::out_of_range("Type");
      }
      l.type = static_cast<int>(type.get<int64_t>());
      l.acquired = j.value("Acquired", false);
    } catch (const std::exception&) {
      l.readable = false;
    }
    auto mtime = store.ModifiedTime(keys.Lock(n));
    if (mtime.ok()) l.modified = *mtime;
    locks.push_back(std::move(l));
  }
  return locks;
}

VolumeLock::VolumeLock(ObjectStore& store, VolumeKeys keys, LockType type, std::string name)
    : store_(store), keys_(std::move(keys)), type_(type), name_(std::move(name)) {}

Status VolumeLock::Write(bool acquired) {
  nlohmann::ordered_json j = {{"Name", name_}, {"Type", static_cast<int>(type_)}, {"Acquired", acquired}};
  const std::string body = j.dump();
  return store_.Save(keys_.Lock(name_), std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(body.data()), body.size()));
}

Status VolumeLock::Check(const std::atomic<bool>* stop) const {
  if (stop && *stop) return Status(Code::kCancelled, "interrupted");
  if (lost_) return Status(Code::kUnavailable, lost_reason_);
  return Status::Ok();
}

Result<std::unique_ptr<VolumeLock>> VolumeLock::Acquire(ObjectStore& store, const VolumeKeys& keys, LockType type,
                                                         const std::atomic<bool>* stop) {
  const LockTiming timing = Timing();
  // Every return below destroys `lock`, which removes its file.
  std::unique_ptr<VolumeLock> lock(new VolumeLock(store, keys, type, GenerateName("lock")));
  lock->written_ = true;  // a failed Save may still have left the file
  HORT_RETURN_IF_ERROR(lock->Write(false));
  const auto written = std::chrono::steady_clock::now();
  // Longhorn's LOCK_CHECK_WAIT_TIME: a lock written at the same moment
  // elsewhere (another node, a share's other client) is listed by then.
  if (!SleepUnlessStopped(timing.settle, stop)) return Status(Code::kCancelled, "interrupted");
  for (;;) {
    HORT_ASSIGN_OR_RETURN(auto locks, ListLocks(store, keys));
    const LockFile* mine = nullptr;
    for (const LockFile& l : locks) {
      if (l.name == lock->name_) mine = &l;
    }
    if (mine == nullptr) {
      return Status(Code::kUnavailable, "volume " + keys.volume() + ": our lock " + lock->name_ +
                                            " is not listed after it was written; the target's listing cannot be trusted");
    }
    // The store's clock: our own lock's time plus the time since we wrote it.
    const auto waited = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - written);
    const int64_t now = mine->modified > 0 ? mine->modified + waited.count() : static_cast<int64_t>(std::time(nullptr));
    const LockFile* blocker = nullptr;
    for (const LockFile& l : locks) {
      if (l.name == lock->name_ || !l.readable || l.type == static_cast<int>(type) || l.Expired(now)) continue;
      if (LockHasPriority(l, *mine)) {
        blocker = &l;
        break;
      }
    }
    if (blocker == nullptr) break;
    const auto elapsed = std::chrono::steady_clock::now() - written;
    if (elapsed >= timing.max_wait) {
      return Status(Code::kLocked, "volume " + keys.volume() + " is locked for " + Operation(blocker->type) + " by " +
                                       blocker->name +
                                       (blocker->modified > 0 ? " (written " + std::to_string(now - blocker->modified) + " s ago"
                                                              : " (of unknown age") +
                                       "; it expires 150 s after its last refresh)");
    }
    // The last look comes at max_wait, not up to one retry interval later.
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(timing.max_wait - elapsed);
    if (!SleepUnlessStopped(std::min(timing.retry, left), stop)) return Status(Code::kCancelled, "interrupted");
  }
  HORT_RETURN_IF_ERROR(lock->Write(true));
  lock->refresher_ = std::thread([raw = lock.get()] { raw->RefreshLoop(); });
  return lock;
}

void VolumeLock::RefreshLoop() {
  const auto every = Timing().refresh;
  std::unique_lock guard(mu_);
  while (!stop_cv_.wait_for(guard, every, [&] { return stop_; })) {
    guard.unlock();
    Status s = Write(true);
    guard.lock();
    if (!s.ok() && !lost_) {
      lost_reason_ = "volume " + keys_.volume() + ": refreshing lock " + name_ + " failed (" + s.message() +
                     "); stopped rather than go on without a lock";
      lost_ = true;
    }
  }
}

VolumeLock::~VolumeLock() {
  {
    std::lock_guard guard(mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (refresher_.joinable()) refresher_.join();
  if (written_) (void)store_.Remove(keys_.Lock(name_));
}

}  // namespace hort::volumes
