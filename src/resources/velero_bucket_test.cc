#include "resources/velero_bucket.h"

#include <gtest/gtest.h>

#include "archive/gzip.h"
#include "objstore/forwarding_store.h"
#include "objstore/test_temp_folder.h"
#include "resources/test_backup.h"

namespace hort::resources {
namespace {

// Records the order of uploads.
class RecordingStore : public ForwardingStore {
 public:
  RecordingStore() : ForwardingStore(NewMemStore()) {}
  Status Save(const std::string& key, std::span<const uint8_t> data) override {
    saved.push_back(key);
    return ForwardingStore::Save(key, data);
  }
  std::vector<std::string> saved;
};

std::string Inflated(ObjectStore& store, const std::string& key) {
  auto gz = LoadString(store, key);
  EXPECT_TRUE(gz.ok()) << key;
  auto text = Gunzip(gz.ok() ? *gz : "", key);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  return text.ok() ? *text : "";
}

// velero-backup.json written out by hand from backup_types.go's field order
// and kubernetes-api-and-velero.md §4 (what Velero stamps on a Backup).
const char kExpectedCr[] = R"({
  "kind": "Backup",
  "apiVersion": "velero.io/v1",
  "metadata": {
    "name": "nightly-20261203020000",
    "namespace": "velero",
    "creationTimestamp": "2026-12-03T02:00:00Z",
    "labels": {
      "velero.io/storage-location": "default"
    },
    "annotations": {
      "velero.io/resource-timeout": "10m0s",
      "velero.io/source-cluster-k8s-gitversion": "v1.31.4+k3s1",
      "velero.io/source-cluster-k8s-major-version": "1",
      "velero.io/source-cluster-k8s-minor-version": "31"
    }
  },
  "spec": {
    "metadata": {},
    "includedNamespaces": [
      "*"
    ],
    "ttl": "720h0m0s",
    "hooks": {},
    "storageLocation": "default",
    "csiSnapshotTimeout": "10m0s",
    "itemOperationTimeout": "4h0m0s"
  },
  "status": {
    "version": 1,
    "formatVersion": "1.1.0",
    "expiration": "2027-01-02T02:00:00Z",
    "phase": "Completed",
    "startTimestamp": "2026-12-03T02:00:00Z",
    "completionTimestamp": "2026-12-03T02:00:07Z",
    "progress": {
      "totalItems": 5,
      "itemsBackedUp": 5
    }
  }
})";

TEST(VeleroBucket, ExportWritesVelerosArtefactsMetadataLast) {
  RecordingStore store;
  ResourceBackup b = TestBackup();
  ASSERT_TRUE(ExportBackup(store, b).ok());
  const std::string d = "backups/nightly-20261203020000/nightly-20261203020000";
  const std::vector<std::string> want = {
      d + "-logs.gz",
      d + ".tar.gz",
      d + "-resource-list.json.gz",
      d + "-results.gz",
      d + "-volumesnapshots.json.gz",
      d + "-podvolumebackups.json.gz",
      d + "-itemoperations.json.gz",
      d + "-volumeinfo.json.gz",
      "backups/nightly-20261203020000/velero-backup.json",
  };
  EXPECT_EQ(store.saved, want);
  EXPECT_EQ(*LoadString(store, want.back()), kExpectedCr);
  EXPECT_EQ(Inflated(store, d + "-resource-list.json.gz"),
            R"({"apps/v1/Deployment":["web/site"],"rbac.authorization.k8s.io/v1/ClusterRole":["reader"],)"
            R"("v1/Namespace":["web"],"v1/Pod":["default/a","default/nginx"]})"
            "\n");
  EXPECT_EQ(Inflated(store, d + "-results.gz"), "{\"errors\":{},\"warnings\":{}}\n");
  EXPECT_EQ(Inflated(store, d + "-podvolumebackups.json.gz"), "null\n");
  EXPECT_EQ(Inflated(store, d + "-volumesnapshots.json.gz"), "null\n");
  EXPECT_EQ(Inflated(store, d + "-itemoperations.json.gz"), "[]\n");
  EXPECT_EQ(Inflated(store, d + "-volumeinfo.json.gz"), "[]\n");
  EXPECT_EQ(Inflated(store, d + "-logs.gz"), b.meta.log);

  EXPECT_EQ(ExportBackup(store, b).code(), Code::kAlreadyExists);
  b.meta.name = "Bad/Name";
  EXPECT_EQ(ExportBackup(store, b).code(), Code::kInvalidArgument);
}

TEST(VeleroBucket, CountsAndResultsFollowTheMessages) {
  auto store = NewMemStore();
  ResourceBackup b = TestBackup("partial");
  b.meta.phase = "PartiallyFailed";
  b.meta.label_selector = "app=web,tier notin (db),!legacy";
  b.meta.errors.namespaces["web"] = {"error backing up item: x"};
  b.meta.warnings.velero = {"w1", "w2"};
  ASSERT_TRUE(ExportBackup(*store, b).ok());
  Json cr = Json::parse(*LoadString(*store, MetadataKey("partial")));
  EXPECT_EQ(cr["status"]["errors"], 1);
  EXPECT_EQ(cr["status"]["warnings"], 2);
  EXPECT_EQ(cr["spec"]["labelSelector"],
            Json::parse(R"({"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"NotIn",)"
                        R"("values":["db"]},{"key":"legacy","operator":"DoesNotExist"}]})"));
  EXPECT_EQ(Inflated(*store, ArtifactKey("partial", "-results.gz")),
            R"({"errors":{"namespaces":{"web":["error backing up item: x"]}},"warnings":{"velero":["w1","w2"]}})"
            "\n");
}

TEST(VeleroBucket, ReadsBackWhatItExported) {
  TempFolderStore store("velero-bucket");
  ResourceBackup b = TestBackup();
  b.meta.label_selector = "app=web";
  b.meta.warnings.cluster = {"w"};
  ASSERT_TRUE(ExportBackup(store, b).ok());
  ASSERT_TRUE(ExportBackup(store, TestBackup("another")).ok());
  auto names = ListBackups(store);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"another", "nightly-20261203020000"}));
  auto back = ReadBucketBackup(store, "nightly-20261203020000");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  const BackupMeta &w = b.meta, &g = back->meta;
  EXPECT_EQ(g.name, w.name);
  EXPECT_EQ(g.phase, w.phase);
  EXPECT_EQ(g.start_timestamp, w.start_timestamp);
  EXPECT_EQ(g.completion_timestamp, w.completion_timestamp);
  EXPECT_EQ(g.expiration, w.expiration);
  EXPECT_EQ(g.ttl, w.ttl);
  EXPECT_EQ(g.storage_location, w.storage_location);
  EXPECT_EQ(g.included_namespaces, w.included_namespaces);
  EXPECT_EQ(g.label_selector, w.label_selector);
  EXPECT_EQ(g.cluster_git_version, w.cluster_git_version);
  EXPECT_EQ(g.cluster_minor, w.cluster_minor);
  EXPECT_EQ(g.log, w.log);
  EXPECT_EQ(g.warnings.cluster, w.warnings.cluster);
  EXPECT_EQ(back->ResourceList(), b.ResourceList());
  EXPECT_EQ(back->items.size(), b.items.size());
  EXPECT_EQ(ReadBucketBackup(store, "missing").status().code(), Code::kNotFound);
}

TEST(VeleroBucket, LabelSelectorTextRoundTrips) {
  for (std::string text : {"app=web", "a=b,c=d", "app in (a,b)", "x", "!x", "a=b,tier notin (db,cache)"}) {
    EXPECT_EQ(LabelSelectorText(LabelSelectorJson(text)), text);
  }
  EXPECT_EQ(LabelSelectorText(LabelSelectorJson("a==b, c!=d")), "a=b,c notin (d)");
}

}  // namespace
}  // namespace hort::resources
