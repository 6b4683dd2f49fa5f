// A backup taken by Longhorn itself (longhorn-and-csi.md §8, "Triggering a
// backup"): Snapshot CR → readyToUse → Backup CR → status.state.
#include <chrono>
#include <cstdlib>

#include "kube/json_fields.h"
#include "volumes/cluster.h"
#include "volumes/cluster_internal.h"

namespace hort::volumes {
namespace {

using kube::Json;
using Clock = std::chrono::steady_clock;

constexpr const char* kHint = "install Longhorn";

Json LabelsJson(const std::map<std::string, std::string>& labels) {
  Json out = Json::object();
  for (const auto& [k, v] : labels) out[k] = v;
  return out;
}

cluster::Wait BaseWait(const LonghornBackupRequest& q, const kube::ResourceInfo& r, const std::string& name,
                       Clock::time_point deadline) {
  cluster::Wait w;
  w.resource = &r;
  w.ns = q.ns;
  w.name = name;
  w.what = r.kind + " " + q.ns + "/" + name;
  w.deadline = deadline;
  w.timeout_seconds = q.timeout_seconds;
  w.stop = q.stop;
  w.log = q.log;
  return w;
}

}  // namespace

// After a Completed backup only its snapshot is needed (Longhorn's next
// incremental backup builds on it): the older snapshots hort made for this
// volume's backups (its series label, the same volume, ready, not already
// being deleted) are deleted, so the chain does not grow by one per run.
void PruneBackupSnapshots(kube::Client& client, const LonghornBackupRequest& q, const kube::ResourceInfo& snapshots,
                          const std::string& keep) {
  auto series = q.labels.find(kSnapshotSeriesLabel);
  if (series == q.labels.end()) return;
  kube::ListOptions lo;
  lo.label_selector = std::string(kSnapshotSeriesLabel) + "=" + series->second;
  auto list = client.List(snapshots, q.ns, lo);
  if (!list.ok()) {
    if (q.log) q.log("older backup snapshots not pruned: " + list.status().message());
    return;
  }
  for (const Json& o : list->items) {
    const std::string name = kube::StringAt(o, "/metadata/name");
    const Json& labels = kube::ObjectAt(o, "/metadata/labels");
    auto label = labels.find(kSnapshotSeriesLabel);
    if (name == keep || label == labels.end() || *label != series->second) continue;
    if (kube::StringAt(o, "/spec/volume") != q.volume || !kube::BoolAt(o, "/status/readyToUse")) continue;
    if (kube::BeingDeleted(o)) continue;
    Status s = client.Delete(snapshots, q.ns, name);
    if (q.log) q.log(s.ok() ? "deleted the older backup snapshot " + q.ns + "/" + name
                            : "could not delete the older backup snapshot " + q.ns + "/" + name + ": " + s.message());
  }
}

Result<LonghornBackupResult> TriggerLonghornBackup(kube::Client& client, const LonghornBackupRequest& q) {
  if (q.volume.empty()) return Status(Code::kInvalidArgument, "no Longhorn volume to back up");
  if (q.timeout_seconds <= 0) return Status(Code::kInvalidArgument, "the backup timeout must be positive");
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(q.timeout_seconds);
  HORT_ASSIGN_OR_RETURN(kube::ResourceInfo snapshots, cluster::Served(client, "longhorn.io", "v1beta2", "snapshots", kHint));
  HORT_ASSIGN_OR_RETURN(kube::ResourceInfo backups, cluster::Served(client, "longhorn.io", "v1beta2", "backups", kHint));
  const Json labels = LabelsJson(q.labels);

  Json snapshot = {{"apiVersion", snapshots.GroupVersion()},
                   {"kind", snapshots.kind},
                   {"metadata", {{"namespace", q.ns}, {"labels", labels}}},
                   {"spec", {{"volume", q.volume}, {"createSnapshot", true}, {"labels", labels}}}};
  HORT_ASSIGN_OR_RETURN(Json created, cluster::CreateNamed(client, snapshots, q.ns, snapshot, q.volume));
  LonghornBackupResult r;
  r.snapshot = kube::StringAt(created, "/metadata/name");
  if (q.log) q.log("created Longhorn Snapshot " + q.ns + "/" + r.snapshot + " of volume " + q.volume);
  const cluster::Wait ws =
      cluster::SnapshotWait(snapshots, q.ns, r.snapshot, deadline, q.timeout_seconds, q.stop, q.log);
  HORT_RETURN_IF_ERROR(cluster::WaitFor(client, ws).status());

  // The Backup CR's name is the backup's name in the store; the snapshot's
  // name (unique, DNS-1123) serves, which ties the two together for a reader.
  Json backup = {{"apiVersion", backups.GroupVersion()},
                 {"kind", backups.kind},
                 {"metadata", {{"name", r.snapshot}, {"namespace", q.ns}, {"labels", labels}}},
                 {"spec", {{"snapshotName", r.snapshot}, {"labels", labels}}}};
  auto made = client.Create(backups, q.ns, backup, {});
  if (!made.ok()) {  // refused (e.g. the target is away): the snapshot would serve no backup
    (void)client.Delete(snapshots, q.ns, r.snapshot);
    return made.status().Annotate("creating Longhorn Backup " + q.ns + "/" + r.snapshot + " (its snapshot deleted)");
  }
  r.backup = r.snapshot;
  if (q.log) q.log("created Longhorn Backup " + q.ns + "/" + r.backup + " of snapshot " + r.snapshot);

  cluster::Wait wb = BaseWait(q, backups, r.backup, deadline);
  wb.goal = "Completed";
  std::string last_state = "-";
  wb.detail = [](const Json& o) {
    const std::string state = kube::StringAt(o, "/status/state");
    return "state " + (state.empty() ? std::string("\"\" (not picked up by Longhorn yet)") : state) + ", progress " +
           std::to_string(kube::IntAt(o, "/status/progress")) + "%; the Backup CR is left to Longhorn";
  };
  wb.check = [&](const Json& o) -> Result<cluster::Progress> {
    const std::string state = kube::StringAt(o, "/status/state");
    if (state != last_state && q.log) q.log(wb.what + ": state " + (state.empty() ? "\"\"" : state));
    last_state = state;
    if (state == "Completed") return cluster::Progress::kDone;
    if (state == "Error" || state == "Unknown") {
      std::string error = cluster::StatusError(o);
      return Status(Code::kUnavailable, wb.what + " failed: state " + state +
                                            (error.empty() ? "" : ", status.error: " + error) +
                                            " (the Backup CR is left; Longhorn removes failed ones after failed-backup-ttl)");
    }
    return cluster::Progress::kWaiting;
  };
  HORT_ASSIGN_OR_RETURN(Json done, cluster::WaitFor(client, wb));
  r.state = kube::StringAt(done, "/status/state");
  r.url = kube::StringAt(done, "/status/url");
  r.size = std::strtoull(kube::StringAt(done, "/status/size").c_str(), nullptr, 10);  // a decimal string
  PruneBackupSnapshots(client, q, snapshots, r.snapshot);
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return r;
}

}  // namespace hort::volumes
