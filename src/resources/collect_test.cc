#include "resources/collect.h"

#include <gtest/gtest.h>

#include <set>

#include "kube/memory_client.h"

namespace hort::resources {
namespace {

using kube::Json;

class CollectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    d_ = *client_.Discover();
    for (const char* ns : {"media", "other"}) Make("namespaces", "", {{"metadata", {{"name", ns}}}});
    Make("configmaps", "media", {{"metadata", {{"name", "settings"}}}, {"data", {{"a", "b"}}}});
    Make("configmaps", "media", {{"metadata", {{"name", "scratch"}, {"labels", {{"velero.io/exclude-from-backup", "true"}}}}}});
    Make("secrets", "media", {{"metadata", {{"name", "token"}}}, {"data", {{"t", "c2VjcmV0"}}}});
    Make("persistentvolumeclaims", "media", {{"metadata", {{"name", "config"}}}, {"spec", {{"volumeName", "pv-1"}}}});
    Make("persistentvolumes", "", {{"metadata", {{"name", "pv-1"}}}});
    Make("persistentvolumes", "", {{"metadata", {{"name", "pv-unrelated"}}}});
    Make("pods", "media", {{"metadata", {{"name", "jellyfin-0"}}}});
    Make("deployments", "media", {{"metadata", {{"name", "jellyfin"}}}});
    Make("configmaps", "other", {{"metadata", {{"name", "elsewhere"}}}});
  }
  void Make(const char* resource, const std::string& ns, Json object) {
    const kube::ResourceInfo* r = d_.Find(resource);
    ASSERT_NE(r, nullptr) << resource;
    auto made = client_.Create(*r, ns, object, {});
    ASSERT_TRUE(made.ok()) << made.status().message();
  }
  static std::vector<std::string> Keys(const ResourceBackup& b) {
    std::vector<std::string> out;
    for (const Item& i : b.items) out.push_back(i.group_resource + ":" + i.ns + "/" + i.name);
    return out;
  }

  kube::MemoryClient client_;
  kube::Discovery d_;
};

TEST_F(CollectTest, ANamespaceWithItsBoundPvInVelerosOrder) {
  CollectSpec spec{.backup_name = "media-20261203020000", .namespaces = {"media"}, .now = 1796263200};
  auto b = CollectBackup(client_, spec);
  ASSERT_TRUE(b.ok()) << b.status().message();
  std::vector<std::string> keys = Keys(*b);
  // Pods, PVCs and PVs first (Velero's core-group order), the PV as the PVC's additional item.
  ASSERT_GE(keys.size(), 7u);
  EXPECT_EQ(keys[0], "pods:media/jellyfin-0");
  EXPECT_EQ(keys[1], "persistentvolumeclaims:media/config");
  std::set<std::string> set(keys.begin(), keys.end());
  for (const char* want : {"persistentvolumes:/pv-1", "namespaces:/media", "configmaps:media/settings",
                           "secrets:media/token", "deployments.apps:media/jellyfin"}) {
    EXPECT_TRUE(set.count(want)) << want;
  }
  EXPECT_FALSE(set.count("configmaps:media/scratch")) << "velero.io/exclude-from-backup was ignored";
  EXPECT_FALSE(set.count("configmaps:other/elsewhere"));
  EXPECT_FALSE(set.count("persistentvolumes:/pv-unrelated"));
  EXPECT_FALSE(set.count("namespaces:/other"));
  for (const Item& i : b->items) {
    EXPECT_EQ(i.object["kind"], i.kind);
    EXPECT_EQ(i.object["apiVersion"], i.ApiVersion());
  }
  EXPECT_EQ(b->meta.phase, "Completed");
  EXPECT_EQ(b->meta.start_timestamp, "2026-12-03T02:00:00Z");
  EXPECT_EQ(b->meta.expiration, "2027-01-02T02:00:00Z");
  EXPECT_EQ(b->meta.included_namespaces, std::vector<std::string>{"media"});
}

// Velero's backup pod action: a selected pod's claims come along whatever
// the label selector says (and with them their PVs); `-l app=x` stored the
// pod alone (a probe). Resource excludes still apply.
TEST_F(CollectTest, APodsClaimsComeAlongWhateverTheSelector) {
  Make("pods", "media", {{"metadata", {{"name", "web-0"}, {"labels", {{"app", "x"}}}}},
                         {"spec", {{"volumes", {{{"name", "c"}, {"persistentVolumeClaim", {{"claimName", "config"}}}}}}}}});
  CollectSpec spec{.backup_name = "b", .namespaces = {"media"}, .label_selector = "app=x", .now = 1796263200};
  auto b = CollectBackup(client_, spec);
  ASSERT_TRUE(b.ok()) << b.status().message();
  std::vector<std::string> keys = Keys(*b);
  std::set<std::string> set(keys.begin(), keys.end());
  for (const char* want : {"pods:media/web-0", "persistentvolumeclaims:media/config", "persistentvolumes:/pv-1"}) {
    EXPECT_TRUE(set.count(want)) << want << " in " << ::testing::PrintToString(keys);
  }
  EXPECT_FALSE(set.count("pods:media/jellyfin-0"));
  EXPECT_FALSE(set.count("configmaps:media/settings"));
  spec.exclude = {"persistentvolumeclaims"};
  b = CollectBackup(client_, spec);
  ASSERT_TRUE(b.ok()) << b.status().message();
  keys = Keys(*b);
  set = std::set<std::string>(keys.begin(), keys.end());
  EXPECT_FALSE(set.count("persistentvolumeclaims:media/config")) << ::testing::PrintToString(keys);
  EXPECT_FALSE(set.count("persistentvolumes:/pv-1"));
}

TEST_F(CollectTest, ExcludesAndIncludesByKubectlNames) {
  CollectSpec spec{.backup_name = "b", .namespaces = {"media"}, .exclude = {"secret", "deploy"}};
  auto b = CollectBackup(client_, spec);
  ASSERT_TRUE(b.ok()) << b.status().message();
  for (const Item& i : b->items) {
    EXPECT_NE(i.group_resource, "secrets");
    EXPECT_NE(i.group_resource, "deployments.apps");
  }
  spec.exclude = {};
  spec.include = {"configmaps"};
  b = CollectBackup(client_, spec);
  ASSERT_TRUE(b.ok());
  std::set<std::string> kinds;
  for (const Item& i : b->items) kinds.insert(i.group_resource);
  EXPECT_EQ(kinds, (std::set<std::string>{"configmaps", "namespaces"}));
  spec.include = {"widgets.example.com"};
  EXPECT_EQ(CollectBackup(client_, spec).status().code(), Code::kInvalidArgument);
}

// A ServiceAccount that may not list secrets.
class NoSecrets : public kube::MemoryClient {
 public:
  Result<kube::ObjectList> List(const kube::ResourceInfo& r, const std::string& ns,
                                const kube::ListOptions& options) override {
    if (r.resource == "secrets") {
      return Status(Code::kPermissionDenied, "secrets is forbidden: User \"hort\" cannot list resource \"secrets\"");
    }
    return MemoryClient::List(r, ns, options);
  }
};

TEST(CollectRequire, AForbiddenKindIsPartialUnlessRequired) {
  NoSecrets client;
  kube::Discovery d = *client.Discover();
  ASSERT_TRUE(client.Create(*d.Find("namespaces"), "", {{"metadata", {{"name", "media"}}}}, {}).ok());
  ASSERT_TRUE(client.Create(*d.Find("configmaps"), "media", {{"metadata", {{"name", "c"}}}}, {}).ok());
  CollectSpec spec{.backup_name = "b", .namespaces = {"media"}};
  auto partial = CollectBackup(client, spec);
  ASSERT_TRUE(partial.ok()) << partial.status().message();
  EXPECT_EQ(partial->meta.phase, "PartiallyFailed");
  EXPECT_EQ(partial->meta.errors.Count(), 1u);

  spec.require = {"secret"};
  auto required = CollectBackup(client, spec);
  ASSERT_FALSE(required.ok());
  EXPECT_EQ(required.status().code(), Code::kPermissionDenied);
  EXPECT_EQ(required.status().message(),
            "required resource secrets could not be listed in namespace media: secrets is forbidden: User \"hort\" "
            "cannot list resource \"secrets\"");

  spec.require = {"configmaps"};  // a required kind that lists fine
  EXPECT_TRUE(CollectBackup(client, spec).ok());
  spec.require = {"widgets.example.com"};
  EXPECT_EQ(CollectBackup(client, spec).status().code(), Code::kInvalidArgument);
  spec.require = {"secrets"};
  spec.exclude = {"secrets"};
  EXPECT_EQ(CollectBackup(client, spec).status().message(), "require: secrets is left out by include/exclude");
}

TEST_F(CollectTest, ClusterObjectsByNameAndTheClusterWideEntry) {
  CollectSpec spec{.backup_name = "b", .namespaces = {"other"}, .cluster = {{.resource = "persistentvolumes", .names = {"pv-unrelated"}}}};
  auto b = CollectBackup(client_, spec);
  ASSERT_TRUE(b.ok()) << b.status().message();
  std::vector<std::string> keys = Keys(*b);
  EXPECT_NE(std::find(keys.begin(), keys.end(), "persistentvolumes:/pv-unrelated"), keys.end());
  CollectSpec wide{.backup_name = "cluster", .cluster_wide = true};
  b = CollectBackup(client_, wide);
  ASSERT_TRUE(b.ok());
  for (const Item& i : b->items) {
    EXPECT_FALSE(i.namespaced) << i.group_resource;
    EXPECT_NE(i.group_resource, "namespaces");
  }
  EXPECT_EQ(b->items.size(), 2u);  // the two PVs (no StorageClasses or Nodes were made)
}

// A service's cluster objects are named as kubectl names types: `pv` and
// `PersistentVolume` backed up nothing without a word; an unknown or a
// namespaced type and a missing object are said.
TEST_F(CollectTest, ClusterObjectsTakeKubectlsSpellings) {
  for (const char* spelling : {"pv", "PersistentVolume", "persistentvolume", "persistentvolumes"}) {
    CollectSpec spec{.backup_name = "b", .namespaces = {"other"}, .cluster = {{.resource = spelling, .names = {"pv-unrelated"}}}};
    auto b = CollectBackup(client_, spec);
    ASSERT_TRUE(b.ok()) << spelling << ": " << b.status().message();
    std::vector<std::string> keys = Keys(*b);
    EXPECT_NE(std::find(keys.begin(), keys.end(), "persistentvolumes:/pv-unrelated"), keys.end()) << spelling;
    // An include list that leaves the type out does not drop what the service names.
    spec.include = {"configmaps"};
    keys = Keys(*CollectBackup(client_, spec));
    EXPECT_NE(std::find(keys.begin(), keys.end(), "persistentvolumes:/pv-unrelated"), keys.end()) << spelling;
  }
  CollectSpec unknown{.backup_name = "b", .namespaces = {"other"}, .cluster = {{.resource = "nosuchkind", .names = {"x"}}}};
  EXPECT_EQ(CollectBackup(client_, unknown).status().message(), "cluster: the cluster serves no resource \"nosuchkind\"");
  CollectSpec namespaced{.backup_name = "b", .namespaces = {"other"}, .cluster = {{.resource = "configmap", .names = {"x"}}}};
  EXPECT_EQ(CollectBackup(client_, namespaced).status().code(), Code::kInvalidArgument);
  CollectSpec missing{.backup_name = "b", .namespaces = {"other"}, .cluster = {{.resource = "pv", .names = {"gone"}}}};
  auto b = CollectBackup(client_, missing);
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(b->meta.phase, "PartiallyFailed");
  ASSERT_EQ(b->meta.errors.cluster.size(), 1u);
  EXPECT_EQ(b->meta.errors.cluster[0], "error getting persistentvolumes gone: not found");
}

}  // namespace
}  // namespace hort::resources
