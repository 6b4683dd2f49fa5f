// Opening a repository the one way every caller does — the CLI from its
// flags and environment, catalog jobs from hort.yaml: the backend at a
// location with its options, a clear kNoRepository before any password is
// asked for, the key, then the lock and the index when wanted.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "backend/backend.h"
#include "repository/lock.h"
#include "repository/repository.h"

namespace hort {

enum class OpenLock { kNone, kShared, kExclusive };

struct OpenRequest {
  std::string location;  // a path, local:, s3:, rest: …
  BackendOptions backend;
  // Asked only once a repository is known to exist at `location`.
  std::function<Result<std::string>()> password;
  // The kNoRepository message when `location` holds no config.
  std::string missing_message;
  // Prefixes every other error (e.g. "repository main"); empty: none.
  std::string context;
  OpenLock lock = OpenLock::kNone;
  std::chrono::seconds lock_wait{0};
  LockSettle lock_settle = LockSettle::kWait;  // see lock.h
  bool load_index = false;
  Repository::WarmUp warm_up;  // see Repository::Open
  std::string key_hint;        // a key ID (or unique prefix) to try first (restic's --key-hint)
  uint64_t pack_size = 0;      // target pack size in bytes; 0 = the default (16 MiB)
};

struct OpenedRepo {
  std::unique_ptr<Repository> repo;
  std::unique_ptr<RepoLock> lock;  // null unless a lock was asked for
  // The lock's second look (RepoLock::Confirmed); Ok without a lock.
  [[nodiscard]] Status LockConfirmed() const { return lock ? lock->Confirmed() : Status::Ok(); }
};

[[nodiscard]] Result<OpenedRepo> OpenRepositoryFor(const OpenRequest& request);

// Where the local cache lives unless configured: $XDG_CACHE_HOME/hort, else
// ~/.cache/hort; "" when neither variable is set.
[[nodiscard]] std::string DefaultCacheDir();

}  // namespace hort
