// In-cluster snapshots of a PVC: a CSI VolumeSnapshot (longhorn-and-csi.md
// §9) or a Longhorn Snapshot CR (§8), taken, waited for, and the series
// thinned out by restic's keep rules.
#include <algorithm>
#include <chrono>
#include <optional>
#include <tuple>

#include "format/gojson.h"
#include "kube/json_fields.h"
#include "kube/label_selector.h"
#include "volumes/cluster.h"
#include "volumes/cluster_internal.h"

namespace hort::volumes {
namespace {

using kube::Json;
using Clock = std::chrono::steady_clock;

constexpr const char* kCsiHint = "install the CSI snapshot CRDs and snapshot-controller (external-snapshotter)";
constexpr const char* kLonghornHint = "install Longhorn";

struct SnapshotTarget {
  kube::ResourceInfo resource;
  std::string ns;
  std::string source;  // the PVC (CSI) or Longhorn volume the series' snapshots must share
  // The source of a listed snapshot, to compare with `source`.
  std::string (*source_of)(const Json&);
};

std::string CsiSource(const Json& o) { return kube::StringAt(o, "/spec/source/persistentVolumeClaimName"); }
std::string LonghornSource(const Json& o) { return kube::StringAt(o, "/spec/volume"); }

bool Ready(const Json& o) { return kube::BoolAt(o, "/status/readyToUse"); }

// When the snapshot was taken: the storage system's time where the status
// has it, else when the object was made (one-second resolution).
std::optional<gojson::Timestamp> TakenAt(const Json& o) {
  for (const char* path : {"/status/creationTime", "/metadata/creationTimestamp"}) {
    auto t = gojson::ParseRfc3339(kube::StringAt(o, path));
    if (t.ok()) return *t;
  }
  return std::nullopt;
}

Result<SnapshotTarget> TargetFor(kube::Client& client, const SnapshotRequest& q, const PvcVolume& volume) {
  SnapshotTarget t;
  if (q.kind == SnapshotRequest::Kind::kCsi) {
    HORT_ASSIGN_OR_RETURN(t.resource, cluster::Served(client, "snapshot.storage.k8s.io", "v1", "volumesnapshots", kCsiHint));
    t.ns = q.ns;
    t.source = q.pvc;
    t.source_of = CsiSource;
    return t;
  }
  HORT_RETURN_IF_ERROR(RequireLonghorn(volume, q.ns, q.pvc, "take a CSI VolumeSnapshot instead"));
  HORT_ASSIGN_OR_RETURN(t.resource, cluster::Served(client, "longhorn.io", "v1beta2", "snapshots", kLonghornHint));
  t.ns = q.longhorn_ns;
  t.source = volume.volume_handle;
  t.source_of = LonghornSource;
  return t;
}

Json SnapshotObject(const SnapshotRequest& q, const SnapshotTarget& t) {
  Json labels = {{kSnapshotSeriesLabel, q.series}};
  Json o = {{"apiVersion", t.resource.GroupVersion()},
            {"kind", t.resource.kind},
            {"metadata", {{"namespace", t.ns}, {"labels", labels}}}};
  if (q.kind == SnapshotRequest::Kind::kCsi) {
    o["spec"] = {{"source", {{"persistentVolumeClaimName", q.pvc}}}};
    // Left out rather than "": the API refuses an empty class name.
    if (!q.class_name.empty()) o["spec"]["volumeSnapshotClassName"] = q.class_name;
  } else {
    o["spec"] = {{"volume", t.source}, {"createSnapshot", true}, {"labels", labels}};
  }
  return o;
}

// The keep rule over the series' ready snapshots of the same source.
Result<std::vector<std::string>> Prune(kube::Client& client, const SnapshotRequest& q, const SnapshotTarget& t,
                                       const std::string& created) {
  kube::ListOptions lo;
  lo.label_selector = std::string(kSnapshotSeriesLabel) + "=" + q.series;
  HORT_ASSIGN_OR_RETURN(kube::ObjectList list, client.List(t.resource, t.ns, lo));
  struct Candidate {
    std::string name;
    gojson::Timestamp time;
  };
  std::vector<Candidate> series;
  for (const Json& o : list.items) {
    const std::string name = kube::StringAt(o, "/metadata/name");
    // The selector chose them; checked again, since deleting is what this does.
    const Json& labels = kube::ObjectAt(o, "/metadata/labels");
    auto label = labels.find(kSnapshotSeriesLabel);
    if (label == labels.end() || *label != q.series) continue;
    if (t.source_of(o) != t.source || !Ready(o)) continue;
    // Already being deleted (a finalizer holds it): it must not take a slot a live snapshot needs.
    if (kube::BeingDeleted(o)) continue;
    auto time = TakenAt(o);
    if (!time) continue;  // no time to judge it by: kept
    series.push_back({name, *time});
  }
  // Ties (one-second times) by name, the new one newest, then made distinct
  // by nanoseconds so that restic's rules see one order.
  auto key = [&](const Candidate& c) { return std::make_tuple(c.time.sec, c.time.nsec, c.name == created, c.name); };
  std::sort(series.begin(), series.end(), [&](const Candidate& a, const Candidate& b) { return key(a) < key(b); });
  for (size_t i = 1; i < series.size(); ++i) {
    const gojson::Timestamp& prev = series[i - 1].time;
    gojson::Timestamp& now = series[i].time;
    if (now.sec == prev.sec && now.nsec <= prev.nsec && prev.nsec < 999999999) now.nsec = prev.nsec + 1;
  }
  std::vector<RetentionItem> items;
  for (const Candidate& c : series) items.push_back({c.time, q.series, {}, {}});
  std::vector<std::string> deleted;
  for (const RetentionDecision& d : DecideRetention(items, q.keep)) {
    const std::string& name = series[d.item].name;
    if (d.keep || name == created) continue;
    Status s = client.Delete(t.resource, t.ns, name);
    if (!s.ok() && s.code() != Code::kNotFound) {
      return s.Annotate(t.resource.kind + " " + t.ns + "/" + created +
                        " is ready, but deleting the older " + name + " of series " + q.series + " failed");
    }
    if (q.log) q.log("deleted " + t.resource.kind + " " + t.ns + "/" + name + " (keep rule of series " + q.series + ")");
    deleted.push_back(name);
  }
  return deleted;
}

}  // namespace

Result<SnapshotResult> TakeSnapshot(kube::Client& client, const SnapshotRequest& q) {
  if (!kube::IsLabelValue(q.series)) {
    return Status(Code::kInvalidArgument, "snapshot series \"" + q.series +
                                              "\" is not a label value (1-63 of A-Z a-z 0-9 . _ -, alphanumeric at both ends)");
  }
  if (q.timeout_seconds <= 0) return Status(Code::kInvalidArgument, "the snapshot timeout must be positive");
  const auto start = Clock::now();
  HORT_ASSIGN_OR_RETURN(PvcVolume volume, ResolvePvc(client, q.ns, q.pvc));
  HORT_ASSIGN_OR_RETURN(SnapshotTarget t, TargetFor(client, q, volume));
  HORT_ASSIGN_OR_RETURN(Json created, cluster::CreateNamed(client, t.resource, t.ns, SnapshotObject(q, t), q.pvc));
  SnapshotResult r;
  r.kind = t.resource.kind;
  r.ns = t.ns;
  r.name = kube::StringAt(created, "/metadata/name");
  if (q.log) q.log("created " + r.kind + " " + t.ns + "/" + r.name + " of PVC " + q.ns + "/" + q.pvc);

  const cluster::Wait w = cluster::SnapshotWait(t.resource, t.ns, r.name, start + std::chrono::seconds(q.timeout_seconds),
                                                q.timeout_seconds, q.stop, q.log);
  HORT_ASSIGN_OR_RETURN(Json ready, cluster::WaitFor(client, w));
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const Json* size = kube::FieldAt(ready, "/status/restoreSize");
  if (size && size->is_number_integer() && size->get<int64_t>() > 0) r.restore_size = size->get<uint64_t>();
  if (size && size->is_string()) r.restore_size = cluster::QuantityBytes(size->get<std::string>());
  if (q.log) q.log(w.what + " is ready to use");
  if (!q.keep.Empty()) {
    HORT_ASSIGN_OR_RETURN(r.deleted, Prune(client, q, t, r.name));
  }
  return r;
}

}  // namespace hort::volumes
