#include "resources/restore_run.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "kube/json_fields.h"
#include "resources/restore_actions.h"
#include "resources/restore_test_support.h"

namespace hort::resources {
namespace {

using testing::MakeItem;
using testing::Resource;
using testing::TestDiscovery;

constexpr const char* kCrds = "customresourcedefinitions.apiextensions.k8s.io";

// The in-memory cluster plus what the API does and MemoryClient does not:
// RBAC refusing a resource, and a created CRD becoming a served resource.
class TestCluster : public kube::MemoryClient {
 public:
  TestCluster() : MemoryClient(TestDiscovery()) {}
  std::set<std::string> forbidden;  // group/resources whose creates answer 403
  std::map<std::string, Status> refused;  // "group/resource name": what its create answers
  bool crds_served = true;          // false: a created CRD never becomes Established
  bool ports_allocated = false;     // a Service that exists answers 422 port-allocated (its nodePort is in use)
  // A Terminating namespace: the namespace controller removes it after this many more reads of it (-1: never).
  std::map<std::string, int> terminating;

  Result<Json> Get(const kube::ResourceInfo& r, const std::string& ns, const std::string& name) override {
    if (r.resource == "namespaces" && terminating.count(name) && terminating[name] >= 0 && terminating[name]-- == 0) {
      terminating.erase(name);
      EXPECT_TRUE(MemoryClient::Delete(r, "", name).ok());
    }
    return MemoryClient::Get(r, ns, name);
  }

  Result<Json> Create(const kube::ResourceInfo& r, const std::string& ns, const Json& object,
                      const kube::WriteOptions& options) override {
    if (forbidden.count(r.GroupResource())) {
      return Status(Code::kPermissionDenied, r.GroupResource() + " is forbidden: User \"hort\" cannot create resource");
    }
    if (auto it = refused.find(r.GroupResource() + " " + kube::StringAt(object, "/metadata/name")); it != refused.end()) {
      return it->second;
    }
    if (ports_allocated && r.resource == "services" && Get(r, ns, kube::StringAt(object, "/metadata/name")).ok()) {
      return Status(Code::kInvalidArgument, "Service \"svc\" is invalid: spec.ports[0].nodePort: Invalid value: "
                                            "30080: provided port is already allocated");
    }
    auto created = MemoryClient::Create(r, ns, object, options);
    if (created.ok() && !options.dry_run && crds_served && r.GroupResource() == kCrds) {
      kube::Discovery d = *Discover();
      d.resources.push_back(Resource(kube::StringAt(object, "/spec/group"), "v1",
                                     kube::StringAt(object, "/spec/names/plural"),
                                     kube::StringAt(object, "/spec/names/kind"), true));
      SetDiscovery(d);
    }
    return created;
  }

  // Every stored object, to prove a dry run wrote nothing.
  Json Snapshot() {
    Json out = Json::array();
    const kube::Discovery d = *Discover();
    for (const auto* r : d.Preferred()) {
      auto list = List(*r, "", {});
      for (auto& o : list->items) out.push_back(o);
    }
    return out;
  }

  Json Read(const std::string& resource, const std::string& ns, const std::string& name) {
    const kube::Discovery d = *Discover();
    auto got = Get(*d.Find(resource), ns, name);
    return got.ok() ? *got : Json();
  }

  void Put(const std::string& resource, const std::string& ns, Json object) {
    const kube::Discovery d = *Discover();
    ASSERT_TRUE(MemoryClient::Create(*d.Find(resource), ns, object, {}).ok());
  }
};

ResourceBackup SampleBackup() {
  ResourceBackup b;
  b.meta.name = "nightly";
  b.items = {
      MakeItem("namespaces", "Namespace", "", "a",
               {{"metadata", {{"uid", "u"}, {"labels", {{"team", "x"}}}}}, {"status", {{"phase", "Active"}}}}),
      MakeItem("configmaps", "ConfigMap", "a", "c1", {{"data", {{"k", "v"}}}, {"metadata", {{"resourceVersion", "9"}}}}),
      MakeItem("serviceaccounts", "ServiceAccount", "a", "app", {{"secrets", {{{"name", "app-token-q"}}}}}),
      MakeItem("secrets", "Secret", "a", "app-token-q",
               {{"type", "kubernetes.io/service-account-token"},
                {"metadata", {{"annotations", {{"kubernetes.io/service-account.name", "app"}}}}}}),
      MakeItem("secrets", "Secret", "a", "creds", {{"data", {{"p", "cA=="}}}}),
      MakeItem("pods", "Pod", "a", "p", {{"spec", {{"nodeName", "n1"}}}, {"status", {{"phase", "Running"}}}}),
      MakeItem("services", "Service", "a", "svc", {{"spec", {{"clusterIP", "10.0.0.9"}, {"ports", {{{"port", 80}}}}}}}),
      MakeItem("persistentvolumes", "PersistentVolume", "", "pv1",
               {{"spec", {{"persistentVolumeReclaimPolicy", "Retain"},
                          {"claimRef", {{"namespace", "a"}, {"name", "data"}, {"uid", "old"}}}}}}),
      MakeItem("persistentvolumeclaims", "PersistentVolumeClaim", "a", "data",
               {{"spec", {{"volumeName", "pv1"}}},
                {"metadata", {{"annotations", {{"volume.kubernetes.io/selected-node", "n1"}}}}}}),
      MakeItem("rolebindings.rbac.authorization.k8s.io", "RoleBinding", "a", "rb",
               {{"subjects", {{{"kind", "ServiceAccount"}, {"name", "app"}, {"namespace", "a"}}}}}),
      MakeItem("clusterrolebindings.rbac.authorization.k8s.io", "ClusterRoleBinding", "", "crb",
               {{"subjects", {{{"kind", "ServiceAccount"}, {"name", "app"}, {"namespace", "a"}}}}}),
      MakeItem("events", "Event", "a", "e1"),
  };
  for (auto& item : b.items) item.namespaced = !item.ns.empty();
  return b;
}

std::vector<std::string> Actions(const RestoreReport& report, bool as_real = false) {
  std::vector<std::string> out;
  for (const auto& item : report.items) {
    std::string action = ActionName(item.action);
    if (as_real && action.rfind("would-", 0) == 0) action = action == "would-create" ? "created" : "updated";
    out.push_back(item.resource + " " + item.ns + "/" + item.name + " " + action);
  }
  return out;
}

TEST(RestoreRun, RestoresIntoAMappedNamespace) {
  TestCluster cluster;
  cluster.Put("nodes", "", {{"metadata", {{"name", "n1"}}}});
  RestoreOptions options;
  options.namespace_mapping = {{"a", "b"}};
  options.restore_name = "r1";
  auto report = RunRestore(cluster, SampleBackup(), options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->errors.empty()) << report->errors[0];
  EXPECT_EQ(report->Count(RestoreAction::kCreated), 10u);
  EXPECT_EQ(report->Count(RestoreAction::kSkipped), 2u);  // the event; the token secret of the restored account

  Json ns = cluster.Read("namespaces", "", "b");
  EXPECT_EQ(ns["metadata"]["labels"], (Json{{"team", "x"}}));  // no restore labels on namespaces
  EXPECT_TRUE(cluster.Read("namespaces", "", "a").is_null());
  Json cm = cluster.Read("configmaps", "b", "c1");
  EXPECT_EQ(cm["data"], (Json{{"k", "v"}}));
  EXPECT_EQ(cm["metadata"]["labels"], (Json{{kBackupNameLabel, "nightly"}, {kRestoreNameLabel, "r1"}}));
  EXPECT_EQ(cluster.Read("rolebindings.rbac.authorization.k8s.io", "b", "rb")["subjects"][0]["namespace"], "b");
  EXPECT_EQ(cluster.Read("clusterrolebindings.rbac.authorization.k8s.io", "", "crb")["subjects"][0]["namespace"], "b");
  Json pv = cluster.Read("persistentvolumes", "", "pv1");
  EXPECT_EQ(pv["spec"]["claimRef"], (Json{{"namespace", "b"}, {"name", "data"}}));
  Json pvc = cluster.Read("persistentvolumeclaims", "b", "data");
  EXPECT_EQ(pvc["spec"]["volumeName"], "pv1");
  EXPECT_EQ(pvc["metadata"]["annotations"]["volume.kubernetes.io/selected-node"], "n1");  // the node is still there
  EXPECT_FALSE(cluster.Read("pods", "b", "p")["spec"].contains("nodeName"));
  EXPECT_FALSE(cluster.Read("pods", "b", "p").contains("status"));
  EXPECT_FALSE(cluster.Read("services", "b", "svc")["spec"].contains("clusterIP"));
  EXPECT_FALSE(cluster.Read("serviceaccounts", "b", "app").contains("secrets"));
  EXPECT_TRUE(cluster.Read("secrets", "b", "app-token-q").is_null());

  Json json = report->ToJson();
  EXPECT_EQ(json["counts"]["created"], 10);
  EXPECT_EQ(json["items"][0]["resource"], "events");  // rule skips are reported first
  EXPECT_EQ(json["items"][0]["action"], "skipped");
  EXPECT_EQ(json["items"][0]["namespace"], "b") << "every row names the namespace the restore writes to";
  EXPECT_EQ(json["items"][1]["resource"], "namespaces");
  EXPECT_EQ(json["items"][1]["action"], "created");
}

TEST(RestoreRun, AMappedClaimDoesNotTakeAPvThatStillServesTheOriginal) {
  TestCluster cluster;
  // The original namespace is still there with its PV bound to a/data.
  cluster.Put("persistentvolumes", "", {{"metadata", {{"name", "pv1"}}},
                                        {"spec", {{"claimRef", {{"namespace", "a"}, {"name", "data"}}}}}});
  const Json before = cluster.Read("persistentvolumes", "", "pv1");
  for (bool dry_run : {true, false}) {
    RestoreOptions options;
    options.namespace_mapping = {{"a", "b"}};
    options.dry_run = dry_run;
    auto report = RunRestore(cluster, SampleBackup(), options);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    const ItemReport* pv = nullptr;
    for (const auto& i : report->items) {
      if (i.resource == "persistentvolumes") pv = &i;
    }
    ASSERT_NE(pv, nullptr);
    EXPECT_EQ(pv->action, RestoreAction::kSkipped) << dry_run;
    EXPECT_EQ(pv->message, "exists for a/data: the claim in b provisions a new volume");
  }
  EXPECT_EQ(cluster.Read("persistentvolumes", "", "pv1"), before);  // untouched
  Json pvc = cluster.Read("persistentvolumeclaims", "b", "data");
  ASSERT_FALSE(pvc.is_null());
  EXPECT_FALSE(pvc["spec"].contains("volumeName"));  // binds a volume of its own

  // Without a mapping the same PV is the claim's own: compared, not kept aside.
  TestCluster plain;
  auto report = RunRestore(plain, SampleBackup(), RestoreOptions{});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(plain.Read("persistentvolumeclaims", "a", "data")["spec"]["volumeName"], "pv1");
}

// The claim was deleted, its Retain PV Released with the old claim's uid:
// the restored claim would stay Pending without a word.
TEST(RestoreRun, AReleasedPvStillReservedForTheDeletedClaimIsNamed) {
  const Json released_pv = {{"metadata", {{"name", "pv1"}}},
                            {"spec", {{"claimRef", {{"namespace", "a"}, {"name", "data"}, {"uid", "old-uid"}}}}},
                            {"status", {{"phase", "Released"}}}};
  TestCluster cluster;
  cluster.Put("persistentvolumes", "", released_pv);
  auto report = RunRestore(cluster, SampleBackup(), RestoreOptions{});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  auto released = [](const RestoreReport& r) {
    for (const std::string& w : r.warnings) {
      if (w.find("is Released") != std::string::npos) return w;
    }
    return std::string();
  };
  EXPECT_NE(released(*report).find("persistentvolume pv1 is Released and still reserved for the deleted claim a/data "
                                   "(uid old-uid): the restored claim stays Pending until that uid is removed: "
                                   "kubectl patch pv pv1 --type json"),
            std::string::npos)
      << released(*report);
  EXPECT_EQ(cluster.Read("persistentvolumes", "", "pv1")["spec"]["claimRef"]["uid"], "old-uid") << "the PV is left alone";

  RestoreOptions only_configmaps;  // the claim is not restored: nothing to say
  only_configmaps.included_resources = {"configmaps"};
  TestCluster filtered;
  filtered.Put("persistentvolumes", "", released_pv);
  auto without_claim = RunRestore(filtered, SampleBackup(), only_configmaps);
  ASSERT_TRUE(without_claim.ok()) << without_claim.status().ToString();
  EXPECT_EQ(released(*without_claim), "");

  TestCluster bound;  // Bound to a live claim: nothing to say
  bound.Put("persistentvolumes", "", {{"metadata", {{"name", "pv1"}}},
                                      {"spec", {{"claimRef", {{"namespace", "a"}, {"name", "data"}, {"uid", "live"}}}}},
                                      {"status", {{"phase", "Bound"}}}});
  auto quiet = RunRestore(bound, SampleBackup(), RestoreOptions{});
  ASSERT_TRUE(quiet.ok());
  EXPECT_EQ(released(*quiet), "");
}

TEST(RestoreRun, AStopEndsTheRestoreBeforeTheNextObject) {
  TestCluster cluster;
  std::atomic<bool> stop{true};
  RestoreOptions options;
  options.stop = &stop;
  auto report = RunRestore(cluster, SampleBackup(), options);
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->errors.size(), 1u);
  EXPECT_NE(report->errors[0].find("stopped: "), std::string::npos) << report->errors[0];
  EXPECT_EQ(report->Count(RestoreAction::kCreated), 0u);
  EXPECT_TRUE(cluster.Read("configmaps", "a", "c1").is_null());
}

// Velero's EnsureNamespaceExistsAndIsReady: a target namespace being deleted
// would refuse the items (403) and its re-creation (409); it is waited for.
TEST(RestoreRun, ATerminatingNamespaceIsWaitedForThenCreated) {
  TestCluster cluster;
  cluster.Put("namespaces", "", {{"metadata", {{"name", "b"}, {"deletionTimestamp", "2026-12-08T03:00:00Z"}}},
                                 {"status", {{"phase", "Terminating"}}}});
  cluster.terminating["b"] = 2;
  RestoreOptions options;
  options.namespace_mapping = {{"a", "b"}};
  auto report = RunRestore(cluster, SampleBackup(), options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->errors.empty()) << report->errors[0];
  EXPECT_EQ(report->Count(RestoreAction::kCreated), 10u);
  Json ns = cluster.Read("namespaces", "", "b");
  EXPECT_FALSE(ns["metadata"].contains("deletionTimestamp")) << ns.dump();
  EXPECT_EQ(ns["metadata"]["labels"], (Json{{"team", "x"}}));
  EXPECT_EQ(cluster.Read("configmaps", "b", "c1")["data"], (Json{{"k", "v"}}));
}

TEST(RestoreRun, ANamespaceStillTerminatingAfterTheTimeoutFailsItsItems) {
  TestCluster cluster;
  cluster.Put("namespaces", "", {{"metadata", {{"name", "b"}, {"deletionTimestamp", "2026-12-08T03:00:00Z"}}},
                                 {"status", {{"phase", "Terminating"}}}});
  cluster.terminating["b"] = -1;
  RestoreOptions options;
  options.namespace_mapping = {{"a", "b"}};
  options.namespace_terminating_timeout_seconds = 1;
  auto report = RunRestore(cluster, SampleBackup(), options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(cluster.Read("configmaps", "b", "c1").is_null());
  bool named = false;
  for (const auto& item : report->items) {
    if (item.resource == "configmaps" && item.name == "c1") {
      EXPECT_EQ(item.action, RestoreAction::kFailed);
      EXPECT_EQ(item.message, "namespace b: namespace b is still being deleted after 1 s");
      named = true;
    }
  }
  EXPECT_TRUE(named);
  // The dry run does not wait: it predicts the namespace's creation once it is gone.
  options.dry_run = true;
  auto dry = RunRestore(cluster, SampleBackup(), options);
  ASSERT_TRUE(dry.ok());
  EXPECT_TRUE(dry->errors.empty()) << dry->errors[0];
  EXPECT_EQ(dry->Count(RestoreAction::kFailed), 0u);
}

TEST(RestoreRun, SecondRunFindsEverythingUnchanged) {
  TestCluster cluster;
  RestoreOptions options;
  options.restore_name = "r1";
  ASSERT_TRUE(RunRestore(cluster, SampleBackup(), options).ok());
  auto again = RunRestore(cluster, SampleBackup(), options);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->Count(RestoreAction::kUnchanged), 9u);
  EXPECT_EQ(again->Count(RestoreAction::kCreated), 0u);
  EXPECT_TRUE(again->warnings.empty());
}

TEST(RestoreRun, ExistingObjectThatDiffersWarnsOrIsUpdated) {
  TestCluster cluster;
  cluster.Put("namespaces", "", {{"metadata", {{"name", "a"}}}});
  cluster.Put("configmaps", "a", {{"metadata", {{"name", "c1"}}}, {"data", {{"k", "old"}, {"x", "y"}}}});
  ResourceBackup backup = SampleBackup();
  RestoreOptions options;
  options.restore_name = "r1";
  options.included_resources = {"configmaps"};
  auto report = RunRestore(cluster, backup, options);
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->items.size(), 1u);
  EXPECT_EQ(report->items[0].action, RestoreAction::kDiffers);
  EXPECT_EQ(report->warnings, (std::vector<std::string>{
                                  "could not restore, ConfigMap \"c1\" already exists. Warning: the in-cluster version "
                                  "is different than the backed-up version"}));
  EXPECT_EQ(report->items[0].diff, (std::vector<std::string>{"~ /data/k: \"old\" -> \"v\"", "- /data/x"}));
  EXPECT_EQ(cluster.Read("configmaps", "a", "c1")["data"]["k"], "old");

  options.existing_resource_policy = ExistingResourcePolicy::kUpdate;
  report = RunRestore(cluster, backup, options);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->items[0].action, RestoreAction::kUpdated);
  Json live = cluster.Read("configmaps", "a", "c1");
  EXPECT_EQ(live["data"], (Json{{"k", "v"}}));
  EXPECT_EQ(live["metadata"]["labels"][kRestoreNameLabel], "r1");
}

// Restored onto itself (a namespace that is still there), a backup taken
// from the live objects finds them unchanged: the fields the restore leaves
// to the cluster (node, cluster IP, node port, the claim's volume) are not
// differences, and update keeps them (it patched them to empty).
TEST(RestoreRun, WhatTheClusterAssignedIsNoDifference) {
  TestCluster cluster;
  cluster.Put("namespaces", "", {{"metadata", {{"name", "a"}}}});
  const Json pod = {{"metadata", {{"name", "p"}}}, {"spec", {{"nodeName", "n1"}, {"containers", Json::array()}}}};
  const Json svc = {{"metadata", {{"name", "svc"}}},
                    {"spec", {{"type", "NodePort"}, {"clusterIP", "10.0.0.9"}, {"clusterIPs", {"10.0.0.9"}},
                              {"ports", {{{"port", 80}, {"nodePort", 31234}}}}}}};
  const Json pvc = {{"metadata", {{"name", "data"}, {"annotations", {{"pv.kubernetes.io/bind-completed", "yes"}}}}},
                    {"spec", {{"volumeName", "pv1"}}}};
  cluster.Put("pods", "a", pod);
  cluster.Put("services", "a", svc);
  cluster.Put("persistentvolumeclaims", "a", pvc);
  ResourceBackup backup;
  backup.meta.name = "nightly";
  backup.items = {MakeItem("pods", "Pod", "a", "p", pod), MakeItem("services", "Service", "a", "svc", svc),
                  MakeItem("persistentvolumeclaims", "PersistentVolumeClaim", "a", "data", pvc)};
  for (auto& item : backup.items) item.namespaced = true;
  RestoreOptions options;
  options.restore_name = "r1";
  for (auto policy : {ExistingResourcePolicy::kNone, ExistingResourcePolicy::kUpdate}) {
    options.existing_resource_policy = policy;
    auto report = RunRestore(cluster, backup, options);
    ASSERT_TRUE(report.ok()) << report.status().message();
    for (const auto& item : report->items) {
      EXPECT_EQ(item.action, RestoreAction::kUnchanged) << item.resource << " " << item.name << ": "
                                                       << (item.diff.empty() ? "" : item.diff[0]);
    }
    EXPECT_TRUE(report->warnings.empty()) << report->warnings[0];
  }
  EXPECT_EQ(cluster.Read("pods", "a", "p")["spec"]["nodeName"], "n1");
  EXPECT_EQ(cluster.Read("services", "a", "svc")["spec"]["ports"][0]["nodePort"], 31234);
  EXPECT_EQ(cluster.Read("persistentvolumeclaims", "a", "data")["spec"]["volumeName"], "pv1");
}

// A copy (namespace mapping) with policy update onto a ClusterRoleBinding
// that exists: the copy's ServiceAccount is added, the original keeps its
// grant (its subject was replaced: the running original lost it).
TEST(RestoreRun, ACopyAddsToAClusterRoleBindingAndTakesNothingAway) {
  TestCluster cluster;
  cluster.Put("clusterrolebindings.rbac.authorization.k8s.io", "",
              {{"metadata", {{"name", "crb"}}}, {"subjects", {{{"kind", "ServiceAccount"}, {"name", "app"}, {"namespace", "a"}}}}});
  RestoreOptions options;
  options.restore_name = "r1";
  options.namespace_mapping = {{"a", "a-copy"}};
  options.included_resources = {"clusterrolebindings.rbac.authorization.k8s.io"};
  options.existing_resource_policy = ExistingResourcePolicy::kUpdate;
  auto report = RunRestore(cluster, SampleBackup(), options);
  ASSERT_TRUE(report.ok()) << report.status().message();
  ASSERT_EQ(report->items.size(), 1u);
  EXPECT_EQ(report->items[0].action, RestoreAction::kUpdated);
  const Json subjects = cluster.Read("clusterrolebindings.rbac.authorization.k8s.io", "", "crb")["subjects"];
  ASSERT_EQ(subjects.size(), 2u) << subjects.dump();
  EXPECT_EQ(subjects[0]["namespace"], "a");
  EXPECT_EQ(subjects[1]["namespace"], "a-copy");
  // Once both are there, the next copy finds it unchanged.
  report = RunRestore(cluster, SampleBackup(), options);
  EXPECT_EQ(report->items[0].action, RestoreAction::kUnchanged);
}

TEST(RestoreRun, ExistingServiceAccountIsMergedWhateverThePolicy) {
  TestCluster cluster;
  cluster.Put("namespaces", "", {{"metadata", {{"name", "a"}}}});
  cluster.Put("serviceaccounts", "a", {{"metadata", {{"name", "app"}}}, {"secrets", {{{"name", "app-token-live"}}}}});
  ResourceBackup backup = SampleBackup();
  backup.items[2].object["imagePullSecrets"] = {{{"name", "registry"}}};
  RestoreOptions options;
  options.included_resources = {"serviceaccounts"};
  auto report = RunRestore(cluster, backup, options);
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->items.size(), 1u);
  EXPECT_EQ(report->items[0].action, RestoreAction::kUpdated);
  EXPECT_TRUE(report->warnings.empty());
  Json live = cluster.Read("serviceaccounts", "a", "app");
  EXPECT_EQ(live["secrets"], (Json{{{"name", "app-token-live"}}}));  // the backup's token entry was dropped
  EXPECT_EQ(live["imagePullSecrets"], (Json{{{"name", "registry"}}}));
  // Velero's patch starts from the live object with the restore labels added,
  // so they are no part of it.
  EXPECT_FALSE(live["metadata"].contains("labels")) << live.dump();
}

// A ServiceAccount the backup adds nothing to is left as it is under policy
// none: hort patched the restore labels onto it and called it updated (a probe).
TEST(RestoreRun, AServiceAccountTheBackupAddsNothingToIsUnchanged) {
  TestCluster cluster;
  cluster.Put("namespaces", "", {{"metadata", {{"name", "a"}}}});
  cluster.Put("serviceaccounts", "a", {{"metadata", {{"name", "app"}}}, {"secrets", {{{"name", "app-token-q"}}}}});
  const Json before = cluster.Read("serviceaccounts", "a", "app");
  RestoreOptions options;
  options.included_resources = {"serviceaccounts"};
  auto report = RunRestore(cluster, SampleBackup(), options);
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->items.size(), 1u);
  EXPECT_EQ(report->items[0].action, RestoreAction::kUnchanged) << ::testing::PrintToString(report->items[0].diff);
  EXPECT_EQ(cluster.Read("serviceaccounts", "a", "app"), before);
}

TEST(RestoreRun, DryRunChangesNothingAndPredictsTheRealRun) {
  TestCluster cluster;
  cluster.Put("namespaces", "", {{"metadata", {{"name", "a"}}}});
  cluster.Put("configmaps", "a", {{"metadata", {{"name", "c1"}}}, {"data", {{"k", "old"}}}});
  cluster.Put("serviceaccounts", "a", {{"metadata", {{"name", "app"}}}, {"secrets", {{{"name", "app-token-live"}}}}});
  ResourceBackup backup = SampleBackup();
  // A second namespace that does not exist yet: its dry-run creates would 404.
  backup.items.push_back(MakeItem("configmaps", "ConfigMap", "fresh", "c2", {{"data", {{"k", "v"}}}}));
  backup.items.push_back(MakeItem("serviceaccounts", "ServiceAccount", "fresh", "bot"));
  backup.items.push_back(MakeItem("secrets", "Secret", "fresh", "bot-token-z",
                                  {{"type", "kubernetes.io/service-account-token"},
                                   {"metadata", {{"annotations", {{"kubernetes.io/service-account.name", "bot"}}}}}}));
  RestoreOptions options;
  options.restore_name = "r1";
  options.existing_resource_policy = ExistingResourcePolicy::kUpdate;
  options.dry_run = true;
  const Json before = cluster.Snapshot();
  auto dry = RunRestore(cluster, backup, options);
  ASSERT_TRUE(dry.ok());
  EXPECT_EQ(cluster.Snapshot(), before);
  EXPECT_TRUE(dry->dry_run);
  EXPECT_GT(dry->Count(RestoreAction::kWouldCreate), 0u);
  EXPECT_EQ(dry->Count(RestoreAction::kCreated), 0u);
  bool saw_update = false;
  for (const auto& item : dry->items) {
    if (item.action == RestoreAction::kWouldUpdate && item.resource == "configmaps") {
      saw_update = true;
      EXPECT_EQ(item.diff, (std::vector<std::string>{"~ /data/k: \"old\" -> \"v\""}));
    }
  }
  EXPECT_TRUE(saw_update);

  options.dry_run = false;
  auto real = RunRestore(cluster, backup, options);
  ASSERT_TRUE(real.ok());
  EXPECT_EQ(Actions(*dry, true), Actions(*real));
  EXPECT_TRUE(real->errors.empty()) << real->errors[0];
  EXPECT_EQ(cluster.Read("configmaps", "fresh", "c2")["data"]["k"], "v");
}

// In a namespace only the dry run would create, nothing can be sent to the
// API server; the names it would refuse are still found (verify's L5 maps
// every namespace to <ns>-verify and relies on this).
TEST(RestoreRun, DryRunIntoANewNamespaceStillRefusesInvalidNames) {
  TestCluster cluster;
  ResourceBackup backup;
  backup.meta.name = "nightly";
  backup.items = {MakeItem("configmaps", "ConfigMap", "a", "good.name-1"),
                  MakeItem("configmaps", "ConfigMap", "a", "Bad_Name"),
                  MakeItem("services", "Service", "a", "has.dot"),
                  MakeItem("deployments.apps", "Deployment", "a", "Bad_Deployment")};
  for (auto& item : backup.items) item.namespaced = true;
  RestoreOptions options;
  options.dry_run = true;
  options.namespace_mapping["a"] = "a-verify";
  auto dry = RunRestore(cluster, backup, options);
  ASSERT_TRUE(dry.ok());
  EXPECT_EQ(Actions(*dry), (std::vector<std::string>{"namespaces /a-verify would-create",
                                                    "configmaps a-verify/Bad_Name failed",
                                                    "configmaps a-verify/good.name-1 would-create",
                                                    "services a-verify/has.dot failed",
                                                    "deployments.apps a-verify/Bad_Deployment failed"}));
  for (const auto& item : dry->items) {
    if (item.name == "Bad_Name") {
      EXPECT_EQ(item.message.rfind("ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value", 0), 0u) << item.message;
    }
    if (item.name == "Bad_Deployment") {  // kube names a grouped kind with its group
      EXPECT_EQ(item.message.rfind("Deployment.apps \"Bad_Deployment\" is invalid: metadata.name", 0), 0u) << item.message;
    }
  }
}

TEST(RestoreRun, CustomResourcesAfterTheirCrd) {
  ResourceBackup backup;
  backup.meta.name = "b";
  backup.items = {
      MakeItem("widgets.example.com", "Widget", "a", "w1", {{"spec", {{"size", 3}}}}),
      MakeItem(kCrds, "CustomResourceDefinition", "", "widgets.example.com",
               {{"spec", {{"group", "example.com"}, {"scope", "Namespaced"},
                          {"names", {{"plural", "widgets"}, {"kind", "Widget"}}},
                          {"versions", {{{"name", "v1"}, {"served", true}}}}}}})};
  backup.items[0].group = "example.com";
  backup.items[0].object["apiVersion"] = "example.com/v1";
  backup.items[1].namespaced = false;
  for (bool dry : {true, false}) {
    TestCluster cluster;
    RestoreOptions options;
    options.dry_run = dry;
    auto report = RunRestore(cluster, backup, options);
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(Actions(*report, true), (std::vector<std::string>{
                                          std::string(kCrds) + " /widgets.example.com created",
                                          "namespaces /a created", "widgets.example.com a/w1 created"}))
        << "dry=" << dry;
    if (!dry) {
      EXPECT_EQ(cluster.Read("widgets.example.com", "a", "w1")["spec"]["size"], 3);
    }
  }
}

TEST(RestoreRun, CustomResourcesFailWhenTheirCrdIsNeverServed) {
  ResourceBackup backup;
  backup.items = {
      MakeItem("widgets.example.com", "Widget", "", "w1"),
      MakeItem(kCrds, "CustomResourceDefinition", "", "widgets.example.com",
               {{"spec", {{"group", "example.com"}, {"scope", "Cluster"}, {"names", {{"plural", "widgets"}, {"kind", "Widget"}}},
                          {"versions", {{{"name", "v1"}, {"served", true}}}}}}})};
  backup.items[0].group = "example.com";
  backup.items[0].namespaced = backup.items[1].namespaced = false;
  TestCluster cluster;
  cluster.crds_served = false;
  RestoreOptions options;
  options.crd_ready_timeout_seconds = 0;
  auto report = RunRestore(cluster, backup, options);
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->items.size(), 2u);
  EXPECT_EQ(report->items[0].action, RestoreAction::kCreated);
  EXPECT_EQ(report->items[1].action, RestoreAction::kFailed);
  EXPECT_EQ(report->errors.size(), 1u);
}

TEST(RestoreRun, ServiceWhosePortIsTakenByItselfCountsAsExisting) {
  TestCluster cluster;
  RestoreOptions options;
  options.included_resources = {"services", "namespaces"};
  ASSERT_TRUE(RunRestore(cluster, SampleBackup(), options).ok());
  cluster.ports_allocated = true;
  auto report = RunRestore(cluster, SampleBackup(), options);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(Actions(*report), (std::vector<std::string>{"namespaces /a skipped", "services a/svc unchanged"}));
}

TEST(RestoreRun, ExistingResourcePolicyNames) {
  EXPECT_EQ(*ParseExistingResourcePolicy(""), ExistingResourcePolicy::kNone);
  EXPECT_EQ(*ParseExistingResourcePolicy("none"), ExistingResourcePolicy::kNone);
  EXPECT_EQ(*ParseExistingResourcePolicy("update"), ExistingResourcePolicy::kUpdate);
  EXPECT_EQ(ParseExistingResourcePolicy("Update").status().code(), Code::kInvalidArgument);
}

TEST(RestoreRun, ForbiddenKindIsReportedAndTheRestRestored) {
  TestCluster cluster;
  cluster.forbidden = {"secrets"};
  auto report = RunRestore(cluster, SampleBackup(), {});
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->errors.size(), 1u);
  EXPECT_NE(report->errors[0].find("secrets a/creds: secrets is forbidden"), std::string::npos);
  EXPECT_EQ(report->Count(RestoreAction::kFailed), 1u);
  EXPECT_EQ(report->Count(RestoreAction::kCreated), 9u);
  EXPECT_FALSE(cluster.Read("configmaps", "a", "c1").is_null());
}

// A Role and bindings kube-apiserver refuses under RBAC's escalation rule (its 403 text; the binding to the
// refused Role read as 404): each failure says which verb hort lacks; any other refusal stays as it was.
TEST(RestoreRun, AnEscalationRefusalNamesTheVerbHortLacks) {
  const std::string held = "is attempting to grant RBAC permissions not currently held:\n"
                           "{APIGroups:[\"apps\"], Resources:[\"deployments\"], Verbs:[\"delete\"]}";
  auto ref = [](const char* kind, const char* name) {
    return Json{{"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", kind}, {"name", name}}}};
  };
  ResourceBackup b;
  b.meta.name = "nightly";
  b.items = {MakeItem("namespaces", "Namespace", "", "a"),
             MakeItem("roles.rbac.authorization.k8s.io", "Role", "a", "deployer",
                      {{"rules", {{{"apiGroups", {"apps"}}, {"resources", {"deployments"}}, {"verbs", {"delete"}}}}}}),
             MakeItem("roles.rbac.authorization.k8s.io", "Role", "a", "plain"),
             MakeItem("rolebindings.rbac.authorization.k8s.io", "RoleBinding", "a", "deployer", ref("Role", "deployer")),
             MakeItem("clusterrolebindings.rbac.authorization.k8s.io", "ClusterRoleBinding", "", "editors",
                      ref("ClusterRole", "edit")),
             MakeItem("configmaps", "ConfigMap", "a", "settings")};
  for (auto& item : b.items) item.namespaced = !item.ns.empty();
  TestCluster cluster;
  cluster.refused = {
      {"roles.rbac.authorization.k8s.io deployer",
       Status(Code::kPermissionDenied, "roles.rbac.authorization.k8s.io \"deployer\" is forbidden: user \"hort\" " + held)},
      {"roles.rbac.authorization.k8s.io plain",
       Status(Code::kPermissionDenied, "roles.rbac.authorization.k8s.io is forbidden: User \"hort\" cannot create resource")},
      {"rolebindings.rbac.authorization.k8s.io deployer",
       Status(Code::kNotFound, "roles.rbac.authorization.k8s.io \"deployer\" not found")},
      {"clusterrolebindings.rbac.authorization.k8s.io editors",
       Status(Code::kPermissionDenied,
              "clusterrolebindings.rbac.authorization.k8s.io \"editors\" is forbidden: user \"hort\" " + held)}};
  auto report = RunRestore(cluster, b, {});
  ASSERT_TRUE(report.ok());
  std::vector<std::string> errors = report->errors;
  std::sort(errors.begin(), errors.end());
  const std::string rbac = ".rbac.authorization.k8s.io";
  const std::string where = " to restore it (hort kube role grants it; hort kube check names what is missing)";
  EXPECT_EQ(errors, (std::vector<std::string>{
      "clusterrolebindings" + rbac + " editors: clusterrolebindings" + rbac + " \"editors\" is forbidden: user \"hort\" " +
          held + "\nhort needs bind on clusterroles" + rbac + where,
      "rolebindings" + rbac + " a/deployer: roles" + rbac + " \"deployer\" not found\nhort needs bind on roles" + rbac + where,
      "roles" + rbac + " a/deployer: roles" + rbac + " \"deployer\" is forbidden: user \"hort\" " + held +
          "\nhort needs escalate on roles" + rbac + where,
      "roles" + rbac + " a/plain: roles" + rbac + " is forbidden: User \"hort\" cannot create resource"}));
  EXPECT_EQ(report->Count(RestoreAction::kFailed), 4u);
  EXPECT_FALSE(cluster.Read("configmaps", "a", "settings").is_null());  // the rest is restored
}

TEST(RestoreRun, UnknownIncludedResourceFailsBeforeAnyWrite) {
  TestCluster cluster;
  RestoreOptions options;
  options.included_resources = {"frobnicators"};
  auto report = RunRestore(cluster, SampleBackup(), options);
  ASSERT_EQ(report.status().code(), Code::kInvalidArgument);
  EXPECT_NE(report.status().message().find("frobnicators"), std::string::npos);
  EXPECT_EQ(cluster.Snapshot(), Json::array());
}

}  // namespace
TEST(FieldDiffTest, ASecretsValuesAreHidden) {
  Json live = {{"kind", "Secret"}, {"data", {{"password", "b2xk"}}}, {"metadata", {{"labels", {{"a", "1"}}}}}};
  Json desired = {{"kind", "Secret"}, {"data", {{"password", "bmV3"}, {"token", "dA=="}}}, {"metadata", {{"labels", {{"a", "2"}}}}}};
  std::vector<std::string> d = FieldDiff(live, desired);
  std::string all;
  for (const auto& l : d) all += l + "\n";
  EXPECT_EQ(all.find("bmV3"), std::string::npos) << all;
  EXPECT_EQ(all.find("b2xk"), std::string::npos) << all;
  EXPECT_NE(all.find("~ /data/password: (secret value hidden) -> (secret value hidden)"), std::string::npos) << all;
  EXPECT_NE(all.find("~ /metadata/labels/a: \"1\" -> \"2\""), std::string::npos) << all;
  // kubectl apply keeps the whole Secret, values too, in an annotation (a probe
  // saw both passwords in a dry run's diff); whole maps added show keys only.
  const std::string applied_old = R"({"kind":"Secret","stringData":{"password":"OLD-S3CRET"}})";
  const std::string applied_new = R"({"kind":"Secret","stringData":{"password":"NEW-S3CRET"}})";
  const std::string key = "kubectl.kubernetes.io/last-applied-configuration";
  for (const auto& [from, to] : std::vector<std::pair<Json, Json>>{
           {{{"kind", "Secret"}, {"metadata", {{"annotations", {{key, applied_new}}}}}},
            {{"kind", "Secret"}, {"metadata", {{"annotations", {{key, applied_old}}}}}}},
           {{{"kind", "Secret"}, {"metadata", {{"name", "db"}}}},
            {{"kind", "Secret"}, {"metadata", {{"name", "db"}, {"annotations", {{key, applied_old}}}}}}},
           {{{"kind", "Secret"}}, {{"kind", "Secret"}, {"metadata", {{"annotations", {{key, applied_old}}}}},
                                  {"data", {{"password", "T0xE"}}}}},
           {Json(), {{"kind", "Secret"}, {"stringData", {{"password", "OLD-S3CRET"}}}}}}) {
    all.clear();
    for (const auto& l : FieldDiff(from, to)) all += l + "\n";
    EXPECT_EQ(all.find("S3CRET"), std::string::npos) << all;
    EXPECT_EQ(all.find("T0xE"), std::string::npos) << all;
    EXPECT_NE(all.find("(secret value hidden)"), std::string::npos) << all;
  }
  Json a = {{"kind", "ConfigMap"}, {"spec", {{"containers", {{{"image", "x:1"}}}}}}};
  Json b = {{"kind", "ConfigMap"}, {"spec", {{"containers", {{{"image", "x:2"}}}}}}};
  EXPECT_EQ(FieldDiff(a, b), std::vector<std::string>{"~ /spec/containers/0/image: \"x:1\" -> \"x:2\""});
}

}  // namespace hort::resources
