// The volumes layer's cluster side on the in-memory cluster: PVC resolution,
// CSI and Longhorn snapshots (spec, waits, timeouts, keep rule, stop) and
// Longhorn backups through the Backup CR. The controllers (snapshot-controller,
// Longhorn) are played by hooks on Get or by a second thread.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <thread>

#include "kube/json_fields.h"
#include "kube/memory_client.h"
#include "kube/label_selector.h"
#include "volumes/cluster.h"
#include "volumes/cluster_internal.h"

namespace hort::volumes {
namespace {

using kube::Json;

// A namespaced custom resource with a status subresource, as the CRDs declare them.
kube::ResourceInfo Crd(std::string group, std::string version, std::string resource, std::string kind) {
  return {.group = std::move(group), .version = std::move(version), .resource = std::move(resource),
          .kind = std::move(kind), .namespaced = true, .preferred = true,
          .verbs = {"create", "delete", "get", "list", "patch", "update", "watch"}, .subresources = {"status"}};
}

const kube::ResourceInfo kVolumeSnapshots = Crd("snapshot.storage.k8s.io", "v1", "volumesnapshots", "VolumeSnapshot");
const kube::ResourceInfo kLhSnapshots = Crd("longhorn.io", "v1beta2", "snapshots", "Snapshot");
const kube::ResourceInfo kLhBackups = Crd("longhorn.io", "v1beta2", "backups", "Backup");

// The in-memory cluster with the snapshot CRDs served; `on_get` plays a
// controller: it runs before every Get, as a poll would meet its work.
class Cluster : public kube::MemoryClient {
 public:
  explicit Cluster(bool crds = true) {
    kube::Discovery d = kube::BuiltinDiscovery();
    if (crds) d.resources.insert(d.resources.end(), {kVolumeSnapshots, kLhSnapshots, kLhBackups});
    SetDiscovery(d);
    for (const char* ns : {"media", "longhorn-system"}) Put("namespaces", "", {{"metadata", {{"name", ns}}}});
    Put("persistentvolumes", "",
        {{"metadata", {{"name", "pv-lh"}}},
         {"spec", {{"capacity", {{"storage", "10Gi"}}}, {"csi", {{"driver", "driver.longhorn.io"}, {"volumeHandle", "pvc-1234"}}}}}});
    Put("persistentvolumes", "",
        {{"metadata", {{"name", "pv-rbd"}}}, {"spec", {{"csi", {{"driver", "rbd.csi.ceph.com"}, {"volumeHandle", "0001-abc"}}}}}});
    Put("persistentvolumes", "", {{"metadata", {{"name", "pv-nfs"}}}, {"spec", {{"nfs", {{"server", "nas"}, {"path", "/x"}}}}}});
    Claim("jellyfin", "pv-lh", true);
    Claim("ceph-data", "pv-rbd", true);
    Claim("nfs-data", "pv-nfs", true);
    Claim("pending", "", false);
  }

  Result<Json> Get(const kube::ResourceInfo& r, const std::string& ns, const std::string& name) override {
    if (on_get) on_get(r, ns, name);
    return MemoryClient::Get(r, ns, name);
  }

  void Put(const std::string& resource, const std::string& ns, Json object) {
    const kube::Discovery d = *Discover();
    auto made = MemoryClient::Create(*d.Find(resource), ns, object, {});
    ASSERT_TRUE(made.ok()) << made.status().ToString();
  }
  void PatchStatus(const kube::ResourceInfo& r, const std::string& ns, const std::string& name, Json status) {
    auto p = MergePatch(r, ns, name, {{"status", std::move(status)}}, {}, "status");
    ASSERT_TRUE(p.ok()) << p.status().ToString();
  }
  std::vector<std::string> Names(const kube::ResourceInfo& r, const std::string& ns) {
    std::vector<std::string> out;
    auto list = List(r, ns, {});
    for (const Json& o : list->items) out.push_back(kube::StringAt(o, "/metadata/name"));
    return out;
  }

  std::function<void(const kube::ResourceInfo&, const std::string&, const std::string&)> on_get;

 private:
  void Claim(const std::string& name, const std::string& pv, bool bound) {
    Json c = {{"metadata", {{"name", name}, {"namespace", "media"}}}, {"spec", {{"accessModes", {"ReadWriteOnce"}}}},
              {"status", {{"phase", bound ? "Bound" : "Pending"}}}};
    if (!pv.empty()) c["spec"]["volumeName"] = pv;
    Put("persistentvolumeclaims", "media", c);
  }
};

// A controller that marks whatever snapshot of `r` is polled ready (with `extra` status fields).
void ReadyOnPoll(Cluster& c, const kube::ResourceInfo& r, Json extra = Json::object()) {
  c.on_get = [&c, r, extra](const kube::ResourceInfo& got, const std::string& ns, const std::string& name) {
    if (got.resource != r.resource || got.group != r.group) return;
    Json status = extra;
    status["readyToUse"] = true;
    if (c.MemoryClient::Get(got, ns, name).ok()) c.PatchStatus(got, ns, name, status);
  };
}

SnapshotRequest Csi(std::string pvc = "jellyfin") {
  SnapshotRequest q;
  q.ns = "media";
  q.pvc = std::move(pvc);
  q.series = "media.jellyfin";
  q.timeout_seconds = 5;
  return q;
}

TEST(ResolvePvcTest, LonghornUnboundOtherDriversAndMissing) {
  Cluster c;
  auto lh = ResolvePvc(c, "media", "jellyfin");
  ASSERT_TRUE(lh.ok()) << lh.status().ToString();
  EXPECT_EQ(lh->pv, "pv-lh");
  EXPECT_TRUE(lh->IsLonghorn());
  EXPECT_EQ(lh->volume_handle, "pvc-1234");
  EXPECT_EQ(lh->device, "/dev/longhorn/pvc-1234");
  EXPECT_EQ(lh->capacity, 10ULL << 30);
  auto rbd = ResolvePvc(c, "media", "ceph-data");
  ASSERT_TRUE(rbd.ok());
  EXPECT_FALSE(rbd->IsLonghorn());
  EXPECT_EQ(rbd->device, "");
  EXPECT_EQ(ResolvePvc(c, "media", "pending").status().code(), Code::kUnavailable);
  auto nfs = ResolvePvc(c, "media", "nfs-data");
  EXPECT_EQ(nfs.status().code(), Code::kUnsupported);
  EXPECT_NE(nfs.status().message().find("media/nfs-data"), std::string::npos) << nfs.status().message();
  auto missing = ResolvePvc(c, "media", "nope");
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  EXPECT_EQ(missing.status().message(), "PersistentVolumeClaim media/nope not found");
}

TEST(ClusterNamesTest, ValidUniqueAndShortEnough) {
  const std::time_t t = 1796126400;  // 2026-12-01 12:00:00 UTC
  EXPECT_EQ(cluster::ObjectName("jellyfin", t), "jellyfin-hort-20261201120000");
  EXPECT_EQ(cluster::ObjectName("Data.Vol_1", t), "data-vol-1-hort-20261201120000");
  // A CSI volume's name (pvc-<uuid>, 40 characters) fits whole, "-N" included.
  const std::string pv = "pvc-0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5";
  EXPECT_EQ(cluster::ObjectName(pv, t), pv + "-hort-20261201120000");
  EXPECT_EQ((pv + "-hort-20261201120000-9").size(), 62u);
  const std::string a = cluster::ObjectName(std::string(80, 'a') + "x", t);
  const std::string b = cluster::ObjectName(std::string(80, 'a') + "y", t);
  EXPECT_NE(a, b);
  for (const std::string& n : {a, b}) {
    EXPECT_LE(n.size() + 2, 63u) << n;  // room for CreateNamed's "-N"
    EXPECT_TRUE(std::regex_match(n, std::regex("[a-z0-9]([-a-z0-9]*[a-z0-9])?"))) << n;
  }
  EXPECT_TRUE(kube::IsLabelValue("media.jellyfin"));
  EXPECT_FALSE(kube::IsLabelValue("-media"));
  EXPECT_FALSE(kube::IsLabelValue(std::string(64, 'a')));
  EXPECT_FALSE(kube::IsLabelValue("a/b"));
}

TEST(TakeSnapshotTest, CsiSpecAndReadyAfterAStatusPatchFromAnotherThread) {
  Cluster c;
  SnapshotRequest q = Csi();
  q.class_name = "longhorn-snap";
  std::atomic<bool> done{false};
  std::thread controller([&] {  // the snapshot-controller: marks the first snapshot it sees ready
    while (!done) {
      auto names = c.Names(kVolumeSnapshots, "media");
      if (!names.empty()) {
        c.PatchStatus(kVolumeSnapshots, "media", names[0],
                      {{"readyToUse", true}, {"restoreSize", "1Gi"}, {"creationTime", "2026-12-01T12:00:00Z"}});
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  auto r = TakeSnapshot(c, q);
  done = true;
  controller.join();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->kind, "VolumeSnapshot");
  EXPECT_EQ(r->ns, "media");
  EXPECT_TRUE(std::regex_match(r->name, std::regex("jellyfin-hort-[0-9]{14}"))) << r->name;
  EXPECT_EQ(r->restore_size, 1ULL << 30);
  EXPECT_TRUE(r->deleted.empty());
  Json o = *c.MemoryClient::Get(kVolumeSnapshots, "media", r->name);
  EXPECT_EQ(kube::StringAt(o, "/apiVersion"), "snapshot.storage.k8s.io/v1");
  EXPECT_EQ(kube::StringAt(o, "/spec/source/persistentVolumeClaimName"), "jellyfin");
  EXPECT_EQ(kube::StringAt(o, "/spec/volumeSnapshotClassName"), "longhorn-snap");
  EXPECT_EQ(kube::StringAt(o, "/metadata/labels/hort.dev~1series"), "media.jellyfin");
}

TEST(TakeSnapshotTest, CsiWithoutAClassLeavesItOutAndTwoInOneSecondGetTwoNames) {
  Cluster c;
  ReadyOnPoll(c, kVolumeSnapshots);
  auto first = TakeSnapshot(c, Csi());
  auto second = TakeSnapshot(c, Csi());
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(first->name, second->name);
  Json o = *c.MemoryClient::Get(kVolumeSnapshots, "media", first->name);
  EXPECT_FALSE(o["spec"].contains("volumeSnapshotClassName"));
}

TEST(TakeSnapshotTest, LonghornSnapshotCrOfTheVolume) {
  Cluster c;
  ReadyOnPoll(c, kLhSnapshots, {{"restoreSize", 10737418240LL}, {"creationTime", "2026-12-01T12:00:00Z"}});
  SnapshotRequest q = Csi();
  q.kind = SnapshotRequest::Kind::kLonghorn;
  auto r = TakeSnapshot(c, q);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->kind, "Snapshot");
  EXPECT_EQ(r->ns, "longhorn-system");
  EXPECT_EQ(r->restore_size, 10737418240ULL);
  Json o = *c.MemoryClient::Get(kLhSnapshots, "longhorn-system", r->name);
  EXPECT_EQ(kube::StringAt(o, "/apiVersion"), "longhorn.io/v1beta2");
  EXPECT_EQ(kube::StringAt(o, "/spec/volume"), "pvc-1234");
  EXPECT_TRUE(kube::BoolAt(o, "/spec/createSnapshot"));
  EXPECT_EQ(kube::StringAt(o, "/spec/labels/hort.dev~1series"), "media.jellyfin");
  EXPECT_EQ(kube::StringAt(o, "/metadata/labels/hort.dev~1series"), "media.jellyfin");

  q.pvc = "ceph-data";  // a CSI volume of another driver has no Longhorn snapshot
  EXPECT_EQ(TakeSnapshot(c, q).status().code(), Code::kUnsupported);
}

TEST(TakeSnapshotTest, TimeoutIsUnavailableWithStatusErrorAndDeletesTheSnapshot) {
  Cluster c;
  c.on_get = [&c](const kube::ResourceInfo& r, const std::string& ns, const std::string& name) {
    if (r.resource == "volumesnapshots" && c.MemoryClient::Get(r, ns, name).ok()) {
      c.PatchStatus(r, ns, name, {{"readyToUse", false}, {"error", {{"message", "driver unreachable"}}}});
    }
  };
  SnapshotRequest q = Csi();
  q.timeout_seconds = 1;
  std::vector<std::string> log;
  q.log = [&log](const std::string& line) { log.push_back(line); };
  auto r = TakeSnapshot(c, q);
  ASSERT_EQ(r.status().code(), Code::kUnavailable);
  const std::string& m = r.status().message();
  EXPECT_TRUE(std::regex_search(m, std::regex("^VolumeSnapshot media/jellyfin-hort-[0-9]{14} is not readyToUse after 1 s "
                                              "\\(status.error: driver unreachable\\); hort deleted it")))
      << m;
  EXPECT_TRUE(c.Names(kVolumeSnapshots, "media").empty());
  int error_lines = 0;  // logged once, not once per poll
  for (const auto& l : log) error_lines += l.find("status.error: driver unreachable") != std::string::npos;
  EXPECT_EQ(error_lines, 1);
}

TEST(TakeSnapshotTest, StopEndsTheWaitWithCancelled) {
  Cluster c;
  std::atomic<bool> stop{false};
  SnapshotRequest q = Csi();
  q.stop = &stop;
  std::thread signal([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop = true;
  });
  const auto start = std::chrono::steady_clock::now();
  auto r = TakeSnapshot(c, q);
  signal.join();
  EXPECT_EQ(r.status().code(), Code::kCancelled) << r.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_TRUE(c.Names(kVolumeSnapshots, "media").empty());
}

TEST(TakeSnapshotTest, KeepRuleDeletesOnlyOldReadyOnesOfTheSeries) {
  Cluster c;
  auto old = [&c](const std::string& name, const std::string& series, const std::string& pvc, bool ready,
                  const std::string& day) {
    Json o = {{"metadata", {{"name", name}, {"namespace", "media"}}},
              {"spec", {{"source", {{"persistentVolumeClaimName", pvc}}}}},
              {"status", {{"readyToUse", ready}, {"creationTime", "2026-11-" + day + "T03:00:00Z"}}}};
    if (!series.empty()) o["metadata"]["labels"] = {{kSnapshotSeriesLabel, series}};
    c.Put("volumesnapshots", "media", o);
  };
  old("s1", "media.jellyfin", "jellyfin", true, "01");
  old("s2", "media.jellyfin", "jellyfin", true, "02");
  old("s3", "media.jellyfin", "jellyfin", true, "03");
  old("s4", "media.jellyfin", "jellyfin", true, "04");
  old("pending", "media.jellyfin", "jellyfin", false, "01");  // not ready: neither counted nor deleted
  old("other-series", "media.other", "jellyfin", true, "01");
  old("unlabelled", "", "jellyfin", true, "01");
  old("other-pvc", "media.jellyfin", "ceph-data", true, "01");
  ReadyOnPoll(c, kVolumeSnapshots);
  SnapshotRequest q = Csi();
  q.keep.last = 2;
  auto r = TakeSnapshot(c, q);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(std::set<std::string>(r->deleted.begin(), r->deleted.end()), (std::set<std::string>{"s1", "s2", "s3"}));
  auto left = c.Names(kVolumeSnapshots, "media");
  EXPECT_EQ(std::set<std::string>(left.begin(), left.end()),
            (std::set<std::string>{"s4", r->name, "pending", "other-series", "unlabelled", "other-pvc"}));
}

TEST(TakeSnapshotTest, KeepRuleNeverDeletesTheNewOne) {
  Cluster c;
  // A snapshot whose storage clock runs ahead looks newer than the new one.
  c.Put("volumesnapshots", "media",
        {{"metadata", {{"name", "ahead"}, {"namespace", "media"}, {"labels", {{kSnapshotSeriesLabel, "media.jellyfin"}}}}},
         {"spec", {{"source", {{"persistentVolumeClaimName", "jellyfin"}}}}},
         {"status", {{"readyToUse", true}, {"creationTime", "2099-01-01T00:00:00Z"}}}});
  ReadyOnPoll(c, kVolumeSnapshots);
  SnapshotRequest q = Csi();
  q.keep.last = 1;
  auto r = TakeSnapshot(c, q);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->deleted.empty());
  EXPECT_EQ(c.Names(kVolumeSnapshots, "media").size(), 2u);
}

TEST(TakeSnapshotTest, RefusesBadSeriesAndNamesMissingCrds) {
  Cluster c;
  SnapshotRequest q = Csi();
  q.series = "media/jellyfin";
  EXPECT_EQ(TakeSnapshot(c, q).status().code(), Code::kInvalidArgument);
  Cluster bare(/*crds=*/false);
  auto r = TakeSnapshot(bare, Csi());
  EXPECT_EQ(r.status().code(), Code::kUnsupported);
  EXPECT_NE(r.status().message().find("volumesnapshots.snapshot.storage.k8s.io/v1"), std::string::npos);
  EXPECT_EQ(TakeSnapshot(c, Csi("pending")).status().code(), Code::kUnavailable);
}

// Longhorn: the snapshot becomes ready on its first poll; the backup goes
// "" → InProgress → `final` over three polls.
void PlayLonghorn(Cluster& c, const std::string& final, Json final_status) {
  auto polls = std::make_shared<int>(0);
  c.on_get = [&c, polls, final, final_status](const kube::ResourceInfo& r, const std::string& ns, const std::string& name) {
    if (!c.MemoryClient::Get(r, ns, name).ok()) return;
    if (r.resource == "snapshots") c.PatchStatus(r, ns, name, {{"readyToUse", true}});
    if (r.resource != "backups") return;
    ++*polls;
    if (*polls == 2) c.PatchStatus(r, ns, name, {{"state", "InProgress"}, {"progress", 40}});
    if (*polls == 3) {
      Json s = final_status;
      s["state"] = final;
      c.PatchStatus(r, ns, name, s);
    }
  };
}

LonghornBackupRequest Backup() {
  LonghornBackupRequest q;
  q.volume = "pvc-1234";
  q.labels = {{kSnapshotSeriesLabel, "media.jellyfin"}};
  q.timeout_seconds = 10;
  return q;
}

TEST(LonghornBackupTest, FollowedToCompleted) {
  Cluster c;
  PlayLonghorn(c, "Completed", {{"progress", 100}, {"url", "s3://b@r/?backup=x&volume=pvc-1234"}, {"size", "2097152"}});
  std::vector<std::string> log;
  LonghornBackupRequest q = Backup();
  q.log = [&log](const std::string& l) { log.push_back(l); };
  auto r = TriggerLonghornBackup(c, q);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->state, "Completed");
  EXPECT_EQ(r->size, 2097152u);
  EXPECT_EQ(r->url, "s3://b@r/?backup=x&volume=pvc-1234");
  EXPECT_TRUE(std::regex_match(r->snapshot, std::regex("pvc-1234-hort-[0-9]{14}"))) << r->snapshot;
  Json snap = *c.MemoryClient::Get(kLhSnapshots, "longhorn-system", r->snapshot);
  EXPECT_EQ(kube::StringAt(snap, "/spec/volume"), "pvc-1234");
  EXPECT_TRUE(kube::BoolAt(snap, "/spec/createSnapshot"));
  Json backup = *c.MemoryClient::Get(kLhBackups, "longhorn-system", r->backup);
  EXPECT_EQ(kube::StringAt(backup, "/spec/snapshotName"), r->snapshot);
  EXPECT_EQ(kube::StringAt(backup, "/metadata/labels/hort.dev~1series"), "media.jellyfin");
  bool saw_in_progress = false;
  for (const auto& l : log) saw_in_progress |= l.find("state InProgress") != std::string::npos;
  EXPECT_TRUE(saw_in_progress);
}

TEST(LonghornBackupTest, ErrorStateFailsWithStatusErrorAndLeavesTheCr) {
  Cluster c;
  PlayLonghorn(c, "Error", {{"error", "failed to get backup target: connection refused"}});
  auto r = TriggerLonghornBackup(c, Backup());
  ASSERT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("failed: state Error, status.error: failed to get backup target: connection refused"),
            std::string::npos)
      << r.status().message();
  EXPECT_EQ(c.Names(kLhBackups, "longhorn-system").size(), 1u);
}

TEST(LonghornBackupTest, SnapshotNeverReadyTimesOutAndIsDeleted) {
  Cluster c;
  LonghornBackupRequest q = Backup();
  q.timeout_seconds = 1;
  auto r = TriggerLonghornBackup(c, q);
  ASSERT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("is not readyToUse after 1 s; hort deleted it"), std::string::npos)
      << r.status().message();
  EXPECT_TRUE(c.Names(kLhSnapshots, "longhorn-system").empty());
  EXPECT_TRUE(c.Names(kLhBackups, "longhorn-system").empty());
}

}  // namespace
}  // namespace hort::volumes
