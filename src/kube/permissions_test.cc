#include "kube/permissions.h"

#include <gtest/gtest.h>

#include <set>

namespace hort::kube {
namespace {

TEST(Permissions, EveryRowSaysWhatNeedsIt) {
  for (const Permission& p : NeededPermissions()) {
    EXPECT_GT(std::string(p.why).size(), 10u) << PermissionName(p) << " " << p.verb;
  }
}

TEST(Permissions, AgentRowsAreLeasesInHortsNamespaceAndHolderJobsEverywhere) {
  std::set<std::string> own, cluster;
  for (const Permission* p : PermissionsFor({"agent"})) {
    if (std::string(p->layer) != "agent") continue;
    (p->scope == Scope::kOwnNamespace ? own : cluster).insert(std::string(p->verb) + " " + PermissionName(*p));
  }
  EXPECT_EQ(own, (std::set<std::string>{"create leases.coordination.k8s.io", "get leases.coordination.k8s.io",
                                        "list leases.coordination.k8s.io", "update leases.coordination.k8s.io",
                                        "delete leases.coordination.k8s.io"}));
  EXPECT_EQ(cluster, (std::set<std::string>{"create jobs.batch", "delete jobs.batch",
                                            "get pods", "get persistentvolumes", "create persistentvolumeclaims",
                                            "delete persistentvolumeclaims"}));
  EXPECT_EQ(PermissionWhere(*PermissionsFor({"agent"}).back(), "hort"), "all namespaces");
}

TEST(Permissions, OneRowPerPermissionWhenTwoLayersNeedIt) {
  int pods_get = 0;
  for (const Permission* p : PermissionsFor({"files", "agent"})) {
    pods_get += std::string(p->resource) == "pods" && std::string(p->verb) == "get" && !*p->subresource;
  }
  EXPECT_EQ(pods_get, 1);
}

TEST(Permissions, TheRoleHoldsTheOwnNamespaceRowsAndTheClusterRoleTheRest) {
  Json role = RoleFor("hort", "backup", {"agent"});
  ASSERT_FALSE(role.is_null());
  EXPECT_EQ(role["kind"], "Role");
  EXPECT_EQ(role["metadata"]["namespace"], "backup");
  EXPECT_EQ(role["rules"], Json::parse(R"([{"apiGroups":["coordination.k8s.io"],"resources":["leases"],
                                            "verbs":["create","delete","get","list","update"]}])"));
  const Json cluster_role = ClusterRoleFor("hort", {"agent"});  // a temporary's member would die before the loop
  for (const Json& rule : cluster_role["rules"]) {
    EXPECT_NE(rule["resources"][0], "leases");
  }
  EXPECT_TRUE(RoleFor("hort", "backup", {"files", "resources", "volumes"}).is_null());
}

}  // namespace
}  // namespace hort::kube
