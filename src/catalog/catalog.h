// The strategy as configuration: hort.yaml's model (docs/config.md).
//
// A Catalog is only ever built by LoadCatalog, which validates everything it
// reads; a catalog that loaded is complete and consistent, so the daemon never
// runs half a config.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kube/connection.h"
#include "objstore/credentials.h"
#include "policy/retention.h"
#include "schedule/cron.h"
#include "util/status.h"

namespace hort {

enum class Classification { kCritical, kImportant, kBestEffort };
[[nodiscard]] const char* ClassificationName(Classification c);

struct PasswordSource {
  enum class Kind { kFile, kCommand, kEnv } kind = Kind::kFile;
  std::string value;  // a path, a shell command, or a variable name: never the secret
};

struct CheckSpec {  // a repository's scheduled `check`
  Schedule schedule;
  std::string read_data_subset;  // empty: structure only
};

struct RepositorySpec {
  std::string name, url;
  PasswordSource password;
  // Where its S3 keys come from (objstore/credentials.h), never the keys:
  // each repository (and, next, each Velero or Longhorn target) may name its
  // own, so a primary and an offsite bucket can use different key pairs.
  // nullopt: the process environment, as with restic.
  std::optional<CredentialSource> credentials;
  std::map<std::string, std::string> options;  // like -o key=value
  std::string cacert;
  bool insecure_tls = false;
  std::optional<CheckSpec> check;
  int line = 0;
};

struct Hooks {
  std::vector<std::string> pre, post;  // shell commands
  int64_t timeout_seconds = 600;
};

struct VerifySpec {
  bool enabled = false;
  std::string read_data_subset;  // after-backup check reads this share of the data
};

// One `files` entry: what one snapshot series contains (a k8up_annotations
// entry: one series per annotated pod, found when it runs).
struct FilesEntry {
  enum class Kind { kPath, kPvc, kDump, kK8upAnnotations } kind = Kind::kPath;
  std::string name;
  std::vector<std::string> paths;          // kPath: read as given, recorded cleaned (SnapshotPaths)
  std::string pvc, source;                 // kPvc: read `source` (empty: through hort agent), recorded as /data/<pvc>
  std::vector<std::string> command;        // kDump: argv whose stdout is stored
  std::string container, extension;        // kDump: stored as /<namespace>-<container><extension>
  std::string pod;                         // kDump: run in this pod (a name or a label selector) through exec;
                                           // empty: run here
  std::vector<std::string> exclude;
  Schedule schedule;
  std::string repository;
  ExpirePolicy keep;  // Empty(): no retention run
  Hooks hooks;
  VerifySpec verify;
  int line = 0;

  // The paths a snapshot of this entry records (K8up's identity), cleaned as
  // the backup cleans them (no "." or empty components, no trailing '/'); empty for
  // kK8upAnnotations, whose paths depend on the pods found at run time.
  [[nodiscard]] std::vector<std::string> SnapshotPaths(const std::string& ns) const;
  // Whether running it needs the Kubernetes API.
  [[nodiscard]] bool NeedsKubernetes() const { return kind == Kind::kK8upAnnotations || !pod.empty() || ViaAgent(); }
  // A pvc entry without `source`: the agent on the node that mounts the claim
  // reads it under the kubelet's pod-volume folder (or a holder Job mounts it).
  [[nodiscard]] bool ViaAgent() const { return kind == Kind::kPvc && source.empty(); }
};

// One `resources` entry (the Velero role): which objects one snapshot series
// /resources/<name>.tar of the service holds.
struct ResourcesEntry {
  struct ClusterObjects {  // cluster-scoped objects that belong to the service
    std::string resource;  // "persistentvolumes", "clusterroles.rbac.authorization.k8s.io"
    std::vector<std::string> names;
    std::string selector;
  };
  std::string name;                     // default "resources"
  std::vector<std::string> namespaces;  // default: the service's
  // The cluster-wide entry: every cluster-scoped object that belongs to no
  // service (namespaces is then empty; Namespace objects stay with their services).
  bool cluster_wide = false;
  std::vector<std::string> include, exclude;  // resource names as kubectl and Velero spell them
  // Resources whose failed list (RBAC …) fails the run instead of leaving a partial backup.
  std::vector<std::string> require;
  std::string selector;                 // label selector
  std::vector<ClusterObjects> cluster;
  Schedule schedule;
  std::string repository;
  ExpirePolicy keep;
  int line = 0;

  [[nodiscard]] std::string SnapshotPath() const { return "/resources/" + name + ".tar"; }
};

// `volume_stores.<name>`: a Longhorn backupstore (Longhorn's backup target)
// hort writes block backups to and verifies, Longhorn's own or hort's.
struct VolumeStoreSpec {
  std::string name;
  // Longhorn's target URL: s3://bucket@region/path, nfs://server:/export
  // (read where mount_point says it is mounted), vfs:///path or a folder.
  std::string url;
  std::optional<CredentialSource> credentials;  // nullopt: the environment, as Longhorn's Secret supplies it
  std::string cacert;
  bool insecure_tls = false;
  std::string mount_point;  // nfs:// and cifs:// targets: where the share is mounted here
  int line = 0;
};

// `snapshots:` of a pvc volumes entry: in-cluster snapshots taken on their
// own schedule, kept by their own rule (the job <service>/volumes/<entry>/snapshots).
struct VolumeSnapshotSpec {
  enum class Kind { kCsi, kLonghorn } kind = Kind::kCsi;  // a VolumeSnapshot, or a Longhorn Snapshot CR
  Schedule schedule;
  ExpirePolicy keep;
  std::string class_name;  // csi: the VolumeSnapshotClass; empty: the driver's default class
  int64_t timeout_seconds = 600;  // how long readyToUse may take
};

// One `volumes` entry (the Longhorn role): one volume's series of block
// backups in a store.
struct VolumesEntry {
  enum class Kind { kPvc, kDevice, kImage } kind = Kind::kPvc;
  std::string name;     // the job's entry name; default: the pvc's, or the volume's
  std::string pvc;      // kPvc: read /dev/longhorn/<its Longhorn volume>
  std::string source;   // kDevice / kImage: the block device or raw image read
  // The volume's name in the store. Empty for a pvc: the Longhorn volume
  // behind it (the PV's CSI volumeHandle), so hort's backups and Longhorn's
  // are one series; device and image entries: the entry's name.
  std::string volume;
  Schedule schedule;
  std::string store;    // a volume_stores name
  ExpirePolicy keep;    // Empty(): no retention run
  bool verify = false;  // verify the volume's backups (every block read) after each backup
  // longhorn.trigger_backup: Longhorn takes the backup (Snapshot CR, then
  // Backup CR, followed to the end) instead of hort reading the device.
  bool longhorn_backup = false;
  std::optional<VolumeSnapshotSpec> snapshots;
  int line = 0;

  // The label value (hort.dev/series) of the snapshots hort takes for this
  // entry, "<service>.<entry>": unique in the catalog, so no other entry's
  // keep rule reads them. Longhorn backups' snapshots: the same + ".backup".
  [[nodiscard]] std::string SnapshotSeries(const std::string& service) const { return service + "." + name; }
  [[nodiscard]] std::string BackupSnapshotSeries(const std::string& service) const {
    return SnapshotSeries(service) + ".backup";
  }
};

struct Service {
  std::string name, ns, storage, owner;
  Classification classification = Classification::kBestEffort;
  int64_t rpo_seconds = 0, rto_seconds = 0;
  std::vector<FilesEntry> files;
  std::vector<ResourcesEntry> resources;
  std::vector<VolumesEntry> volumes;
  int line = 0;

  // The repositories its files and resources entries write to (volume stores aside).
  [[nodiscard]] std::set<std::string> Repositories() const;
};

struct OffsiteSpec {
  std::string name, from, to;
  Schedule schedule;
  int64_t rpo_seconds = 0;  // 0: twice the schedule's interval
  int line = 0;
};

// `velero.locations.<name>`: a Velero backup storage location hort
// validates (resources/verify.h). Velero writes it; hort only reads.
struct VeleroLocationSpec {
  std::string name, url;  // url: s3:http(s)://host/bucket[/prefix] or a folder
  std::optional<CredentialSource> credentials;  // nullopt: the process environment
  std::map<std::string, std::string> options;   // like -o key=value (s3.region …)
  std::string cacert;
  bool insecure_tls = false;
  // The newest Completed backup may be this old before the verify job
  // fails (0: no limit): the strategy's daily Velero schedule → 1d plus slack.
  int64_t rpo_seconds = 0;
  // Its alerts' severity; unset: the strictest among the services with
  // resources entries, or important when there are none.
  std::optional<Classification> classification;
  int line = 0;
};

// `velero.verify`: one scheduled job per location walks every backup up the
// validation ladder to `level` (5: a dry-run replay against the cluster).
struct VeleroVerifySpec {
  Schedule schedule;
  int level = 4;
};

struct VeleroSpec {
  std::map<std::string, VeleroLocationSpec> locations;
  std::optional<VeleroVerifySpec> verify;  // nullopt: locations usable by name, nothing scheduled
};

// A smoke command run in a restore test's scratch target.
struct SmokeCommand {
  std::string run;              // shell command, cwd = the scratch target
  int64_t timeout_seconds = 300;
  std::string output_contains;  // empty: only the exit code counts
};

struct ValidateSpec {
  // files: paths relative to the scratch target that must exist; resources: Kind/name
  std::vector<std::string> expect;
  uint64_t min_files = 0, min_bytes = 0;
  std::vector<SmokeCommand> commands;
  // resources: how long restored Deployments and StatefulSets may take to
  // report every replica available, where a controller runs them.
  int64_t ready_timeout_seconds = 300;
};

// One row of the strategy's test plan (`tests:`).
struct RestoreTestSpec {
  enum class Type { kFiles, kResources, kVolume, kDr } type = Type::kFiles;
  std::string id;                        // e.g. BT-K8-01; also the scratch directory's name
  std::vector<std::string> scope;        // service names or namespaces, as written
  std::vector<const Service*> services;  // the scope resolved (file order)
  std::vector<std::string> repositories; // dr: the repositories drilled (default: every one)
  std::string every;                     // as written, e.g. 3mo
  int64_t every_seconds = 0;
  std::string responsible;
  bool auto_run = false;
  int64_t timeout_seconds = 7200;  // bounds the whole test and its alert silence
  ValidateSpec validate;
  // files: each pvc entry is also restored into a scratch claim through hort agent.
  struct ScratchPvc {
    bool enabled = false;
    std::string size, storage_class;  // size as Kubernetes writes it ("1Gi"); class "" = the cluster's default
  } scratch_pvc;
  int line = 0;

  // The strictest RTO target among the scope's services (0: none set).
  [[nodiscard]] int64_t RtoTarget() const;
  // Whether the layer this type of test exercises runs in this build.
  [[nodiscard]] bool LayerAvailable() const;
};
[[nodiscard]] const char* TestTypeName(RestoreTestSpec::Type t);

// Who may use the dashboard's actions (and, unless open_read, read it): a
// bearer token from a file or an environment variable, and/or users of an
// htpasswd file with bcrypt hashes. None set: reading is open, actions off.
struct ServeAuthSpec {
  std::string token_file;  // the token is its first line
  std::string token_env;   // the name of a variable holding the token
  std::string htpasswd;    // "user:$2y$…" lines
  bool open_read = false;  // read-only pages and the API's GETs without credentials
  [[nodiscard]] bool Configured() const { return !token_file.empty() || !token_env.empty() || !htpasswd.empty(); }
};

struct ServeSpec {
  std::string listen = "127.0.0.1:9464";
  ServeAuthSpec auth;
  int max_jobs = 2;
  int retry_attempts = 3;
  int64_t retry_backoff_seconds = 300;  // doubles per attempt
  int64_t lock_wait_seconds = 600;
};

// A runnable unit of work the daemon schedules.
struct JobSpec {
  enum class Kind { kBackup, kCheck, kCopy, kVerify, kSnapshot } kind;
  // "<service>/files/<entry>", "<service>/volumes/<entry>/snapshots", "check/<repository>",
  // "offsite/<name>", "velero/<location>"
  std::string id;
  std::string_view layer;  // the registry's layer name ("files"); empty for repository jobs
  const Service* service = nullptr;
  const FilesEntry* entry = nullptr;            // files jobs
  const ResourcesEntry* resources = nullptr;    // resources jobs
  const VolumesEntry* volumes = nullptr;        // volumes backup and snapshot jobs
  const VolumeStoreSpec* store = nullptr;       // volumes backups: written to
  const OffsiteSpec* offsite = nullptr;
  const RepositorySpec* repository = nullptr;  // written to (copy: the destination)
  const RepositorySpec* source = nullptr;      // copy only
  const VeleroLocationSpec* velero = nullptr;  // verify only
  const Schedule* schedule = nullptr;

  // The entry's name for status rows and metrics ("" for repository jobs).
  [[nodiscard]] std::string EntryName() const;
  // Where the job writes: its repository's name, or its volume store's ("" for snapshot jobs).
  [[nodiscard]] std::string TargetName() const;
  // "backup", "check", "copy", "verify", "snapshot": the state's and metrics' `kind`.
  [[nodiscard]] const char* KindName() const;
  // The status rows' layer column: the layer, or the repository job's label ("check", "offsite").
  [[nodiscard]] std::string_view RowLabel() const;
};

// `kubernetes:`: which cluster hort talks to, exactly what kube::OpenClient
// takes (kubeconfig absolute or empty; both empty: in-cluster when hort runs
// in a pod, else $KUBECONFIG or ~/.kube/config; qps/burst 0: the default).
using KubernetesSpec = kube::KubeSettings;

struct Catalog {
  std::string path;  // the file it was loaded from
  std::string timezone;
  std::string state_path;  // absolute
  std::string work_dir;    // absolute; restore tests use it
  std::string cache_dir;   // empty: the user's cache
  ServeSpec serve;
  std::map<std::string, RepositorySpec> repositories;
  std::vector<Service> services;  // in file order
  std::vector<OffsiteSpec> offsite;
  std::vector<RestoreTestSpec> tests;  // the test plan, in file order
  std::string alertmanager_url;        // empty: restore tests silence nothing
  KubernetesSpec kubernetes;
  VeleroSpec velero;
  std::map<std::string, VolumeStoreSpec> volume_stores;
  std::vector<JobSpec> jobs;      // derived; pointers into the members above
  std::vector<std::string> notes;  // what loaded but deserves a word (shown by `hort config check`)
  // What loaded but can never work as written, e.g. an entry whose schedule
  // runs less often than its service's RPO (`config check` prints them on stderr).
  std::vector<std::string> warnings;

  Catalog() = default;
  Catalog(const Catalog&) = delete;  // jobs point into this object
  Catalog& operator=(const Catalog&) = delete;

  [[nodiscard]] const Service* FindService(const std::string& name) const;
  [[nodiscard]] const JobSpec* FindJob(const std::string& id) const;
  [[nodiscard]] const RestoreTestSpec* FindTest(const std::string& id) const;
  // The layers whose jobs or restore tests the catalog runs ("files",
  // "resources", "volumes"): what hort's role in the cluster must grant.
  [[nodiscard]] std::vector<std::string> UsedLayers() const;
  // Whether test `t` restores what `s` backs up (report, runbook): its scope
  // holds the service; a dr test restores the repositories it drills, so it
  // covers a service (of its scope, if it has one) that writes files or
  // resources snapshots to one of them, or to a repository an offsite copy
  // chain carries into one of them. A service that writes nothing there is not
  // covered by drilling another repository.
  [[nodiscard]] bool TestCovers(const RestoreTestSpec& t, const Service& s) const;
  // `repositories` and every repository whose snapshots an offsite copy
  // (chain) carries into one of them.
  [[nodiscard]] std::set<std::string> CopiedInto(const std::vector<std::string>& repositories) const;
};

// Every problem found, each "file:line:col: key: message".
struct CatalogErrors {
  std::vector<std::string> lines;
};

// Loads and validates. On failure the Status message is the first error and
// `errors` (if given) receives all of them.
[[nodiscard]] Result<std::unique_ptr<Catalog>> LoadCatalog(const std::string& path, CatalogErrors* errors = nullptr);
// As LoadCatalog, with relative paths resolved against `dir` instead of the
// file's folder: the catalog as hort reads it where it is mounted in a pod
// (`hort kube manifests`: /etc/hort).
[[nodiscard]] Result<std::unique_ptr<Catalog>> LoadCatalogAt(const std::string& path, const std::string& dir,
                                                             CatalogErrors* errors = nullptr);

// --config, else HORT_CONFIG, else ./hort.yaml.
[[nodiscard]] std::string DefaultCatalogPath(const std::string& flag);

}  // namespace hort
