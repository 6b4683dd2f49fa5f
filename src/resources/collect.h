// The backup side of the resources layer (Velero's role), top-down:
// discovery → the resource types Velero would back up → paged lists per
// namespace → filters → additional items (the PVs of backed-up PVCs, the
// CRDs of backed-up custom resources) → a ResourceBackup with Velero's
// metadata. Writing it (tarball, snapshot, bucket) is the caller's.
#pragma once

#include <string>
#include <vector>

#include "kube/client.h"
#include "resources/model.h"
#include "util/status.h"

namespace hort::resources {

// Cluster-scoped objects that belong to a service: by name or by label.
struct ClusterObjects {
  std::string resource;             // "persistentvolumes", "clusterroles.rbac.authorization.k8s.io"
  std::vector<std::string> names;   // empty with a selector: every object matching it
  std::string selector;
};

struct CollectSpec {
  std::string backup_name;              // Velero's backup name (and bucket folder)
  std::vector<std::string> namespaces;  // namespaced objects of these namespaces (and the Namespace objects)
  bool cluster_wide = false;            // the cluster-wide entry: every cluster-scoped type instead
  std::vector<std::string> include;     // resource names (kubectl's and Velero's spellings); empty = all
  std::vector<std::string> exclude;
  std::string label_selector;           // applied by the server to every list
  std::vector<ClusterObjects> cluster;  // cluster-scoped objects of the service
  // Resources the backup is worthless without: a failed list of one of them
  // (RBAC, an aggregated API down) fails the backup instead of leaving it
  // PartiallyFailed. Also an error when the cluster does not serve them.
  std::vector<std::string> require;
  int64_t now = 0;                      // seconds since the epoch (start timestamp, expiration)
  int32_t now_nanos = 0;                // its sub-second part: the snapshot's time keeps it
  // now and now_nanos from the wall clock.
  void StartNow();
};

// A type an entry's include/exclude/require names (kubectl's and Velero's
// spellings); kInvalidArgument ("<what>: the cluster serves no resource …")
// for one the cluster does not serve, which fails a backup before it lists.
[[nodiscard]] Result<const kube::ResourceInfo*> ListedType(const kube::Discovery& d, const std::string& name,
                                                           const char* what);

// A type `require` names that include/exclude leave out: kInvalidArgument
// ("require: secrets is left out by include/exclude"), which fails a backup
// before it lists; names the cluster does not serve are ListedType's to tell.
[[nodiscard]] Status RequiredKept(const kube::Discovery& d, const std::vector<std::string>& include,
                                  const std::vector<std::string>& exclude, const std::vector<std::string>& require);

// The type of a service's cluster objects, named as kubectl names types
// (`clusterrole`, `ClusterRole`, `pv`); kInvalidArgument ("cluster: …") for a
// type the cluster does not serve or a namespaced one.
[[nodiscard]] Result<const kube::ResourceInfo*> ClusterObjectsType(const kube::Discovery& d, const std::string& name);

// Types Velero backs up: preferred versions supporting list, create, get and
// delete, without the CSI snapshot intermediates.
[[nodiscard]] std::vector<const kube::ResourceInfo*> BackupTypes(const kube::Discovery& discovery);

// A 403 on one type or namespace is recorded in the backup's errors (phase
// PartiallyFailed) and the rest is backed up, as Velero does — unless the type
// is in `require`: then kPermissionDenied (or the list's own code) naming it.
// An unknown name in include/exclude/require is kInvalidArgument before
// anything is listed.
[[nodiscard]] Result<ResourceBackup> CollectBackup(kube::Client& client, const CollectSpec& spec);

// "2026-12-03T02:00:00Z"
[[nodiscard]] std::string Rfc3339(int64_t unix_seconds);
// Velero's generated names, <prefix>-<YYYYMMDDHHMMSS, UTC>: a schedule's
// backups (<schedule>-…) and a restore of a backup (<backup>-…).
[[nodiscard]] std::string VeleroTimeName(const std::string& prefix, int64_t unix_seconds);

}  // namespace hort::resources
