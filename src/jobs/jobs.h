// Running one catalog job through the engine's C++ API: a backup entry
// (hooks → backup → retention → verification), a repository check, or an
// offsite copy. The scheduler, `hort run` and `hort guard` all come here.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "catalog/catalog.h"
#include "kube/client.h"
#include "repository/lock.h"
#include "repository/open.h"
#include "repository/repository.h"
#include "state/state.h"
#include "util/progress.h"
#include "volumes/target.h"

namespace hort {

// Backend request counters per repository name, for /metrics.
class RequestCounters {
 public:
  BackendMetrics* For(const std::string& repository);
  void ForEach(const std::function<void(const std::string&, const BackendMetrics&)>& fn);

 private:
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<BackendMetrics>> by_repo_;
};

struct JobContext {
  std::vector<std::string> extra_tags;  // e.g. guard's "pre-upgrade"
  bool retention = true;                // guard snapshots skip retention
  RequestCounters* counters = nullptr;
  StateStore* state = nullptr;          // receives repository statistics
  std::function<void(const std::string&)> log;  // progress lines (never secrets)
  kube::Client* kube = nullptr;  // null: the catalog's cluster, opened when a job needs it
  // Set by a stop signal: waits on the cluster (the agent's task) give up at once.
  const std::atomic<bool>* stop = nullptr;
  // Counted by the files backups as items finish (the dashboard's live progress).
  ProgressCounters* progress = nullptr;
};

// What a job did. The Status keeps its code, so the scheduler can tell a
// server that was away (retry later) from a wrong password (retrying cannot
// help) and from a partial backup (kPartial: the snapshot is saved, a retry
// would only save another one for the same slot).
struct JobOutcome {
  Status status;
  std::string snapshot_id;
  uint64_t bytes_added = 0, files = 0;
  std::vector<std::string> messages;

  [[nodiscard]] bool ok() const { return status.ok(); }
  // The failure as one line (empty when ok).
  [[nodiscard]] std::string Error() const;
};

[[nodiscard]] JobOutcome RunJob(const Catalog& catalog, const JobSpec& job, const JobContext& ctx);

// Opens a catalog repository with its password source and options.
// Restore tests pass use_cache=false: they prove the repository, not the
// local cache of its trees.
[[nodiscard]] Result<OpenedRepo> OpenCatalogRepository(const Catalog& catalog, const RepositorySpec& spec,
                                                              OpenLock lock, RequestCounters* counters,
                                                              bool use_cache = true);

// A Velero location of the catalog as an object store (its credentials, options and TLS settings).
[[nodiscard]] Result<std::unique_ptr<ObjectStore>> OpenVeleroLocation(const VeleroLocationSpec& spec);

// The velero/<location> job: resources/verify_location.h over the location,
// its figures into ctx.state.
[[nodiscard]] Status VerifyVeleroJob(const Catalog& catalog, const JobSpec& job, const JobContext& ctx,
                                     JobOutcome& out);

// A volumes backup or snapshot job (jobs/volumes_job.cc).
[[nodiscard]] Status RunVolumesJob(const Catalog& catalog, const JobSpec& job, const JobContext& ctx, JobOutcome& out);

// A volume store of the catalog as a Longhorn backup target (credentials, TLS, mount point).
[[nodiscard]] Result<volumes::BackupTarget> OpenVolumeStore(const VolumeStoreSpec& spec);

// ctx.kube, else the catalog's cluster opened into `owned` (once).
[[nodiscard]] Result<kube::Client*> CatalogKube(const Catalog& catalog, const JobContext& ctx,
                                                std::unique_ptr<kube::Client>& owned);

// Size, snapshot count and locks of a repository, for status and metrics.
[[nodiscard]] Result<RepoStats> CollectRepoStats(Repository& repo, const std::string& name);

}  // namespace hort
