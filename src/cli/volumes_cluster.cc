#include "cli/volumes_cluster.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>

#include "cli/catalog_cli.h"
#include "cli/json_text.h"
#include "cli/keep_flags.h"
#include "cli/kube_cli.h"
#include "volumes/cluster.h"

namespace hort::cli {
namespace {

using namespace hort::volumes;

struct ClusterFlags {
  KubeFlags kube;
  std::string pvc, ns, class_name, longhorn_ns = "longhorn-system", series, timeout;
  bool longhorn = false;
  KeepFlags keep;
  ExpirePolicy policy;
  int64_t timeout_seconds = 0;
};

// Progress lines go to stderr, so that --json keeps stdout to the one document.
std::function<void(const std::string&)> Logger(const GlobalOptions& g) {
  if (g.quiet) return nullptr;
  return [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
}

// The series when --series is not given: the namespace and claim, as the
// catalog's <namespace>.<entry>; `suffix` keeps Longhorn backups' snapshots
// out of the snapshot command's keep rule.
std::string DefaultSeries(const ClusterFlags& f, const std::string& ns, const char* suffix) {
  return f.series.empty() ? ns + "." + f.pvc + suffix : f.series;
}

int Snapshot(kube::Client& client, const ClusterFlags& f, const GlobalOptions& g) {
  SnapshotRequest q;
  q.kind = f.longhorn ? SnapshotRequest::Kind::kLonghorn : SnapshotRequest::Kind::kCsi;
  q.ns = f.ns.empty() ? client.DefaultNamespace() : f.ns;
  q.pvc = f.pvc;
  q.class_name = f.class_name;
  q.longhorn_ns = f.longhorn_ns;
  q.series = DefaultSeries(f, q.ns, "");
  q.keep = f.policy;
  q.timeout_seconds = f.timeout_seconds;
  q.stop = &InstallStopFlag();  // SIGTERM: the unready snapshot is deleted, exit 130
  q.log = Logger(g);
  auto r = TakeSnapshot(client, q);
  if (!r.ok()) return Fail(r.status());
  if (g.json) {
    std::printf("%s\n", JsonText({{"kind", r->kind}, {"namespace", r->ns}, {"name", r->name}, {"pvc", q.ns + "/" + q.pvc},
                                  {"series", q.series}, {"seconds", r->seconds}, {"restore_size", r->restore_size},
                                  {"deleted", r->deleted}})
                            .c_str());
    return kExitOk;
  }
  std::printf("%s %s/%s of PVC %s/%s ready in %.1f s, restore size %s\n", r->kind.c_str(), r->ns.c_str(),
              r->name.c_str(), q.ns.c_str(), q.pvc.c_str(), r->seconds, FormatBytes(r->restore_size).c_str());
  for (const auto& d : r->deleted) std::printf("deleted %s %s/%s (series %s)\n", r->kind.c_str(), r->ns.c_str(), d.c_str(), q.series.c_str());
  return kExitOk;
}

int LonghornBackup(kube::Client& client, const ClusterFlags& f, const GlobalOptions& g) {
  const std::string ns = f.ns.empty() ? client.DefaultNamespace() : f.ns;
  auto volume = ResolvePvc(client, ns, f.pvc);
  if (!volume.ok()) return Fail(volume.status());
  if (Status s = RequireLonghorn(*volume, ns, f.pvc, "Longhorn backs up only its own"); !s.ok()) return Fail(s);
  LonghornBackupRequest q;
  q.ns = f.longhorn_ns;
  q.volume = volume->volume_handle;
  q.labels[kSnapshotSeriesLabel] = DefaultSeries(f, ns, ".backup");
  q.timeout_seconds = f.timeout_seconds;
  q.stop = &InstallStopFlag();
  q.log = Logger(g);
  auto r = TriggerLonghornBackup(client, q);
  if (!r.ok()) return Fail(r.status());
  if (g.json) {
    std::printf("%s\n", JsonText({{"pvc", ns + "/" + f.pvc}, {"volume", q.volume}, {"namespace", q.ns},
                                  {"snapshot", r->snapshot}, {"backup", r->backup}, {"state", r->state}, {"url", r->url},
                                  {"size", r->size}, {"seconds", r->seconds}})
                            .c_str());
    return kExitOk;
  }
  std::printf("Longhorn backup %s/%s of volume %s (PVC %s/%s, snapshot %s) %s in %.1f s, %s: %s\n", q.ns.c_str(),
              r->backup.c_str(), q.volume.c_str(), ns.c_str(), f.pvc.c_str(), r->snapshot.c_str(), r->state.c_str(),
              r->seconds, FormatBytes(r->size).c_str(), r->url.c_str());
  return kExitOk;
}

}  // namespace

VolumesClusterCommands AddVolumesCluster(CLI::App& volumes, const GlobalOptions& g) {
  auto f = std::make_shared<ClusterFlags>();
  VolumesClusterCommands c;
  c.snapshot = volumes.add_subcommand("snapshot", "Take a CSI VolumeSnapshot (or Longhorn Snapshot CR) of a PVC, "
                                                  "wait until it is ready, apply the keep rule to its series");
  c.longhorn_backup = volumes.add_subcommand("longhorn-backup", "Have Longhorn back up a PVC's volume to its backup "
                                                                "target (Snapshot CR, then Backup CR) and follow it");
  for (CLI::App* s : {c.snapshot, c.longhorn_backup}) {
    s->add_option("--pvc", f->pvc, "the PersistentVolumeClaim")->required();
    s->add_option("-n,--namespace", f->ns, "its namespace (default: the kubeconfig context's)");
    s->add_option("--longhorn-namespace", f->longhorn_ns, "where Longhorn's CRs live (default longhorn-system)");
    s->add_option("--timeout", f->timeout, "how long to wait (default 10m for snapshot, 1h for longhorn-backup)");
    AddKubeFlags(*s, &f->kube);
  }
  c.snapshot->add_flag("--longhorn", f->longhorn, "a Longhorn Snapshot CR instead of a CSI VolumeSnapshot");
  c.snapshot->add_option("--class", f->class_name, "VolumeSnapshotClass (default: the driver's default class)");
  c.snapshot->add_option("--series", f->series, "value of the hort.dev/series label (default <namespace>.<pvc>)");
  c.longhorn_backup->add_option("--series", f->series, "value of the hort.dev/series label (default <namespace>.<pvc>.backup)");
  AddKeepFlags(*c.snapshot, &f->keep, /*tags=*/false);
  c.validate = [f, c]() -> Status {
    if (!c.Parsed()) return Status::Ok();
    if (f->longhorn && !f->class_name.empty()) {
      return Status(Code::kInvalidArgument, "--class names a VolumeSnapshotClass; a Longhorn snapshot (--longhorn) has none");
    }
    f->timeout_seconds = c.snapshot->parsed() ? 600 : 3600;
    if (!f->timeout.empty()) {
      HORT_ASSIGN_OR_RETURN(auto t, ParseWait(f->timeout));
      if (t.count() <= 0) return Status(Code::kInvalidArgument, "--timeout must be positive");
      f->timeout_seconds = t.count();
    }
    if (c.snapshot->parsed()) HORT_RETURN_IF_ERROR(BuildPolicy(f->keep, &f->policy));
    return Status::Ok();
  };
  c.run = [f, c, &g](Opened& o) {
    auto client = OpenKube(f->kube, o.catalog.get());
    if (!client.ok()) return Fail(client.status());
    return c.snapshot->parsed() ? Snapshot(**client, *f, g) : LonghornBackup(**client, *f, g);
  };
  return c;
}

}  // namespace hort::cli
