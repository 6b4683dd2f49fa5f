#include "resources/restore_plan.h"

#include <gtest/gtest.h>

#include "resources/restore_test_support.h"

namespace hort::resources {
namespace {

using testing::MakeItem;
using testing::TestDiscovery;

std::vector<std::string> Names(const RestorePlan& plan) {
  std::vector<std::string> out;
  for (const auto& p : plan.items) {
    out.push_back(p.item->group_resource + ":" + (p.target_ns.empty() ? "" : p.target_ns + "/") + p.item->name);
  }
  return out;
}

TEST(RestorePlan, VeleroPriorityThenAlphabeticalThenLowPriority) {
  auto order = OrderResources({"services", "deployments.apps", "clusters.cluster.x-k8s.io", "configmaps",
                               "namespaces", "customresourcedefinitions.apiextensions.k8s.io", "pods", "secrets",
                               "persistentvolumes", "persistentvolumeclaims", "serviceaccounts",
                               "horizontalpodautoscalers.autoscaling", "jobs.batch"});
  EXPECT_EQ(order, (std::vector<std::string>{
                       "customresourcedefinitions.apiextensions.k8s.io", "namespaces", "persistentvolumes",
                       "persistentvolumeclaims", "serviceaccounts", "secrets", "configmaps", "pods", "services",
                       "deployments.apps", "horizontalpodautoscalers.autoscaling", "jobs.batch",
                       "clusters.cluster.x-k8s.io"}));
}

TEST(RestorePlan, OrdersItemsByPriorityThenNamespaceThenName) {
  ResourceBackup backup;
  backup.items = {MakeItem("deployments.apps", "Deployment", "b", "web"),
                  MakeItem("configmaps", "ConfigMap", "b", "z"),
                  MakeItem("configmaps", "ConfigMap", "a", "y"),
                  MakeItem("configmaps", "ConfigMap", "b", "a"),
                  MakeItem("namespaces", "Namespace", "", "b"),
                  MakeItem("namespaces", "Namespace", "", "a")};
  auto plan = PlanRestore(backup, TestDiscovery(), {});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(Names(*plan), (std::vector<std::string>{"namespaces:a", "namespaces:b", "configmaps:a/y",
                                                     "configmaps:b/a", "configmaps:b/z", "deployments.apps:b/web"}));
}

TEST(RestorePlan, NeverRestoredCompletedAndMirrorItemsAreSkipped) {
  ResourceBackup backup;
  backup.items = {MakeItem("events", "Event", "a", "e1"),
                  MakeItem("nodes", "Node", "", "n1"),
                  MakeItem("pods", "Pod", "a", "done", {{"status", {{"phase", "Succeeded"}}}}),
                  MakeItem("pods", "Pod", "a", "crashed", {{"status", {{"phase", "Failed"}}}}),
                  MakeItem("pods", "Pod", "a", "static",
                           {{"metadata", {{"annotations", {{"kubernetes.io/config.mirror", "x"}}}}}}),
                  MakeItem("pods", "Pod", "a", "running", {{"status", {{"phase", "Running"}}}}),
                  MakeItem("jobs.batch", "Job", "a", "finished", {{"status", {{"completionTime", "2026-01-01T00:00:00Z"}}}}),
                  MakeItem("jobs.batch", "Job", "a", "active")};
  auto plan = PlanRestore(backup, TestDiscovery(), {});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(Names(*plan), (std::vector<std::string>{"pods:a/running", "jobs.batch:a/active"}));
  ASSERT_EQ(plan->skipped.size(), 6u);
  for (const auto& s : plan->skipped) EXPECT_FALSE(s.error) << s.name;
}

TEST(RestorePlan, IncludesExcludesNamespacesAndSelector) {
  ResourceBackup backup;
  backup.items = {MakeItem("namespaces", "Namespace", "", "a"), MakeItem("namespaces", "Namespace", "", "b"),
                  MakeItem("configmaps", "ConfigMap", "a", "c1", {{"metadata", {{"labels", {{"app", "web"}}}}}}),
                  MakeItem("configmaps", "ConfigMap", "a", "c2"), MakeItem("configmaps", "ConfigMap", "b", "c3"),
                  MakeItem("secrets", "Secret", "a", "s1", {{"metadata", {{"labels", {{"app", "web"}}}}}})};
  RestoreOptions options;
  options.included_namespaces = {"a"};
  auto plan = PlanRestore(backup, TestDiscovery(), options);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(Names(*plan), (std::vector<std::string>{"namespaces:a", "secrets:a/s1", "configmaps:a/c1", "configmaps:a/c2"}));

  options.included_resources = {"cm"};  // kubectl's short name resolves too
  plan = PlanRestore(backup, TestDiscovery(), options);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(Names(*plan), (std::vector<std::string>{"configmaps:a/c1", "configmaps:a/c2"}));

  options = {};
  options.excluded_resources = {"configmaps", "namespaces"};
  options.excluded_namespaces = {"b"};
  options.label_selector = "app=web";
  plan = PlanRestore(backup, TestDiscovery(), options);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(Names(*plan), (std::vector<std::string>{"secrets:a/s1"}));
}

TEST(RestorePlan, UnknownOrUnrestorableResourceNameIsRefused) {
  ResourceBackup backup;
  RestoreOptions options;
  options.included_resources = {"deployments.apps", "gizmos.example.com"};
  auto plan = PlanRestore(backup, TestDiscovery(), options);
  ASSERT_EQ(plan.status().code(), Code::kInvalidArgument);
  EXPECT_NE(plan.status().message().find("gizmos.example.com"), std::string::npos);

  options.included_resources = {"events"};
  EXPECT_EQ(PlanRestore(backup, TestDiscovery(), options).status().code(), Code::kInvalidArgument);
  options.included_resources = {};
  options.excluded_resources = {"nope"};
  EXPECT_EQ(PlanRestore(backup, TestDiscovery(), options).status().code(), Code::kInvalidArgument);
  options.excluded_resources = {};
  options.label_selector = "a in (";
  EXPECT_FALSE(PlanRestore(backup, TestDiscovery(), options).ok());
}

// Velero's ValidateIncludesExcludes: '*' excluded restored everything,
// pods both included and excluded nothing, '*,pods' only pods (a probe).
TEST(RestorePlan, ContradictoryFiltersAreRefusedInVelerosWords) {
  ResourceBackup backup;
  backup.items = {MakeItem("configmaps", "ConfigMap", "a", "c"), MakeItem("pods", "Pod", "a", "p")};
  auto refused = [&](RestoreOptions options, const std::string& words) {
    auto plan = PlanRestore(backup, TestDiscovery(), options);
    ASSERT_EQ(plan.status().code(), Code::kInvalidArgument) << words;
    EXPECT_NE(plan.status().message().find(words), std::string::npos) << plan.status().message();
  };
  RestoreOptions o;
  o.excluded_resources = {"*"};
  refused(o, "resources: excludes list cannot contain '*'");
  o = {};
  o.included_resources = {"pods"};
  o.excluded_resources = {"pods"};
  refused(o, "resources: excludes list cannot contain an item in the includes list: pods");
  o.excluded_resources = {"pod"};  // one type by two names
  refused(o, "excludes list cannot contain an item in the includes list: pods");
  o = {};
  o.included_resources = {"*", "pods"};
  refused(o, "resources: includes list must either contain '*' only");
  o = {};
  o.included_namespaces = {"a"};
  o.excluded_namespaces = {"a"};
  refused(o, "namespaces: excludes list cannot contain an item in the includes list: a");
}

// A type the backup brings with its CRD can be named before the cluster
// serves it (Velero keeps such a name as it is); a name of nothing stays an error.
TEST(RestorePlan, ATypeOnlyTheBackupBringsCanBeNamed) {
  ResourceBackup backup;
  backup.items = {
      MakeItem("widgets.example.com", "Widget", "a", "w1"),
      MakeItem("configmaps", "ConfigMap", "a", "c"),
      MakeItem("customresourcedefinitions.apiextensions.k8s.io", "CustomResourceDefinition", "",
               "widgets.example.com",
               {{"spec", {{"group", "example.com"}, {"scope", "Namespaced"},
                          {"names", {{"plural", "widgets"}, {"kind", "Widget"}, {"singular", "widget"}}},
                          {"versions", {{{"name", "v1"}, {"served", true}}}}}}})};
  backup.items[0].group = "example.com";
  for (const std::string name : {"widgets.example.com", "widgets"}) {
    RestoreOptions options;
    options.excluded_resources = {name};
    auto plan = PlanRestore(backup, TestDiscovery(), options);
    ASSERT_TRUE(plan.ok()) << name << ": " << plan.status().message();
    EXPECT_EQ(Names(*plan), (std::vector<std::string>{
                                "customresourcedefinitions.apiextensions.k8s.io:widgets.example.com", "configmaps:a/c"}))
        << name;
    options = {};
    options.included_resources = {"customresourcedefinitions", name};
    plan = PlanRestore(backup, TestDiscovery(), options);
    ASSERT_TRUE(plan.ok()) << name << ": " << plan.status().message();
    EXPECT_EQ(Names(*plan), (std::vector<std::string>{
                                "customresourcedefinitions.apiextensions.k8s.io:widgets.example.com",
                                "widgets.example.com:a/w1"}))
        << name;
  }
  RestoreOptions options;
  options.excluded_resources = {"gizmos.example.com"};
  auto plan = PlanRestore(backup, TestDiscovery(), options);
  ASSERT_EQ(plan.status().code(), Code::kInvalidArgument);
  EXPECT_NE(plan.status().message().find("is not served by the target cluster, nor in the backup"), std::string::npos)
      << plan.status().message();
}

// Velero's restore item actions: a pod's claims and PriorityClass, a claim's
// volume are restored right before it whatever -l says; resource filters still
// apply. `-l app=x` restored the pod alone, its claim never bound (a probe).
TEST(RestorePlan, APodBringsItsClaimVolumeAndPriorityClassWhateverTheSelector) {
  ResourceBackup backup;
  backup.items = {
      MakeItem("pods", "Pod", "a", "p",
               {{"metadata", {{"labels", {{"app", "x"}}}}},
                {"spec", {{"priorityClassName", "high"},
                          {"volumes", {{{"name", "d"}, {"persistentVolumeClaim", {{"claimName", "data"}}}},
                                       {{"name", "t"}, {"emptyDir", Json::object()}}}}}}}),
      MakeItem("persistentvolumeclaims", "PersistentVolumeClaim", "a", "data",
               {{"spec", {{"volumeName", "pv1"}}}, {"status", {{"phase", "Bound"}}}}),
      MakeItem("persistentvolumes", "PersistentVolume", "", "pv1"),
      MakeItem("priorityclasses.scheduling.k8s.io", "PriorityClass", "", "high"),
      MakeItem("configmaps", "ConfigMap", "a", "other")};
  RestoreOptions options;
  options.label_selector = "app=x";
  auto plan = PlanRestore(backup, TestDiscovery(), options);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(Names(*plan), (std::vector<std::string>{"persistentvolumes:pv1", "persistentvolumeclaims:a/data",
                                                     "priorityclasses.scheduling.k8s.io:high", "pods:a/p"}));
  options.excluded_resources = {"persistentvolumes"};
  plan = PlanRestore(backup, TestDiscovery(), options);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(Names(*plan), (std::vector<std::string>{"persistentvolumeclaims:a/data",
                                                     "priorityclasses.scheduling.k8s.io:high", "pods:a/p"}));
  options.excluded_resources = {};
  options.included_resources = {"pods"};
  plan = PlanRestore(backup, TestDiscovery(), options);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(Names(*plan), (std::vector<std::string>{"pods:a/p"}));
  // Without a selector the class still comes before the pod that names it.
  plan = PlanRestore(backup, TestDiscovery(), {});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(Names(*plan), (std::vector<std::string>{"persistentvolumes:pv1", "persistentvolumeclaims:a/data",
                                                     "configmaps:a/other", "priorityclasses.scheduling.k8s.io:high",
                                                     "pods:a/p"}));
}

TEST(RestorePlan, CustomResourcesWaitForTheirCrdFromTheSameBackup) {
  ResourceBackup backup;
  backup.items = {
      MakeItem("widgets.example.com", "Widget", "a", "w1", {}, "v1alpha1"),
      MakeItem("gadgets.example.com", "Gadget", "a", "g1"),
      MakeItem("customresourcedefinitions.apiextensions.k8s.io", "CustomResourceDefinition", "",
               "widgets.example.com",
               {{"spec", {{"group", "example.com"}, {"scope", "Namespaced"},
                          {"names", {{"plural", "widgets"}, {"kind", "Widget"}, {"singular", "widget"}}},
                          {"versions", {{{"name", "v1"}, {"served", true}}, {{"name", "v1alpha1"}, {"served", true}}}}}}})};
  backup.items[0].group = backup.items[1].group = "example.com";
  auto plan = PlanRestore(backup, TestDiscovery(), {});
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(Names(*plan), (std::vector<std::string>{"customresourcedefinitions.apiextensions.k8s.io:widgets.example.com",
                                                     "widgets.example.com:a/w1"}));
  EXPECT_TRUE(plan->items[1].needs_crd);
  EXPECT_EQ(plan->items[1].resource.version, "v1alpha1");  // the backup's version, served by the CRD
  EXPECT_TRUE(plan->items[1].resource.namespaced);
  ASSERT_EQ(plan->skipped.size(), 1u);
  EXPECT_TRUE(plan->skipped[0].error);
  EXPECT_EQ(plan->skipped[0].name, "g1");
}

TEST(RestorePlan, ResolvesVersionsAndMapsNamespaces) {
  ResourceBackup backup;
  backup.items = {MakeItem("horizontalpodautoscalers.autoscaling", "HorizontalPodAutoscaler", "a", "old", {}, "v2beta2"),
                  MakeItem("horizontalpodautoscalers.autoscaling", "HorizontalPodAutoscaler", "a", "v1", {}, "v1"),
                  MakeItem("persistentvolumes", "PersistentVolume", "", "pv1")};
  backup.items[2].namespaced = false;
  RestoreOptions options;
  options.namespace_mapping = {{"a", "b"}};
  auto plan = PlanRestore(backup, TestDiscovery(), options);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->items.size(), 3u);
  EXPECT_EQ(plan->items[0].target_ns, "");  // persistentvolumes first, cluster-scoped
  EXPECT_EQ(plan->items[1].resource.version, "v2");  // v2beta2 is gone: the preferred version
  EXPECT_EQ(plan->items[2].resource.version, "v1");  // still served: kept
  EXPECT_EQ(plan->items[2].target_ns, "b");
}

}  // namespace
}  // namespace hort::resources
