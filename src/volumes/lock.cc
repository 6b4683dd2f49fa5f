#include "volumes/lock.h"

#include <chrono>
#include <ctime>

#include <nlohmann/json.hpp>

namespace hort::volumes {
namespace {

// Longhorn's compareLocks: acquired locks first, then the older file, then the name.
bool HasPriority(const LockFile& a, const LockFile& b) {
  if (a.acquired != b.acquired) return a.acquired;
  if (a.modified != b.modified) return a.modified < b.modified;
  return a.name < b.name;
}

const char* Operation(int type) { return type == 2 ? "delete" : "backup/restore"; }

}  // namespace

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
      l.type = j.at("Type").get<int>();
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

Result<std::unique_ptr<VolumeLock>> VolumeLock::Acquire(ObjectStore& store, const VolumeKeys& keys, LockType type) {
  std::unique_ptr<VolumeLock> lock(new VolumeLock(store, keys, type, GenerateName("lock")));
  HORT_RETURN_IF_ERROR(lock->Write(false));
  // Longhorn waits 2 s so that a lock written at the same moment elsewhere
  // is listed; a local folder lists every file the moment it exists.
  if (!store.ListsConsistently()) std::this_thread::sleep_for(std::chrono::seconds(2));
  auto locks = ListLocks(store, keys);
  if (!locks.ok()) {
    (void)store.Remove(keys.Lock(lock->name_));
    return locks.status();
  }
  LockFile mine;
  for (const LockFile& l : *locks) {
    if (l.name == lock->name_) mine = l;
  }
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  for (const LockFile& l : *locks) {
    if (l.name == lock->name_ || !l.readable || l.type == static_cast<int>(type) || l.Expired(now)) continue;
    if (HasPriority(l, mine)) {
      (void)store.Remove(keys.Lock(lock->name_));
      lock->stop_ = true;
      return Status(Code::kLocked, "volume " + keys.volume() + " is locked for " + Operation(l.type) + " by " + l.name +
                                       " (written " + std::to_string(now - l.modified) +
                                       " s ago; it expires 150 s after its last refresh)");
    }
  }
  HORT_RETURN_IF_ERROR(lock->Write(true));
  lock->refresher_ = std::thread([raw = lock.get()] { raw->RefreshLoop(); });
  return lock;
}

void VolumeLock::RefreshLoop() {
  std::unique_lock guard(mu_);
  while (!stop_cv_.wait_for(guard, std::chrono::seconds(kLockRefreshSeconds), [&] { return stop_; })) {
    guard.unlock();
    (void)Write(true);  // a missed refresh leaves 90 s before the lock expires
    guard.lock();
  }
}

VolumeLock::~VolumeLock() {
  {
    std::lock_guard guard(mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (refresher_.joinable()) {
    refresher_.join();
    (void)store_.Remove(keys_.Lock(name_));
  }
}

}  // namespace hort::volumes
