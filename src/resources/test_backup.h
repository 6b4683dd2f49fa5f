// A small backup for the tests of this folder: namespaced items in the core
// and a named group, cluster-scoped items, and a string Go escapes.
#pragma once

#include "resources/model.h"

namespace hort::resources {

inline Item TestItem(std::string gr, std::string group, std::string version, std::string kind, std::string ns,
                     std::string name, Json extra = Json::object()) {
  Json obj = extra;
  obj["apiVersion"] = group.empty() ? version : group + "/" + version;
  obj["kind"] = kind;
  obj["metadata"]["name"] = name;
  if (!ns.empty()) obj["metadata"]["namespace"] = ns;
  return Item{.group_resource = std::move(gr), .group = std::move(group), .version = std::move(version),
              .kind = std::move(kind), .namespaced = !ns.empty(), .ns = std::move(ns), .name = std::move(name),
              .object = std::move(obj)};
}

inline ResourceBackup TestBackup(std::string name = "nightly-20261203020000") {
  ResourceBackup b;
  b.meta.name = std::move(name);
  b.meta.start_timestamp = "2026-12-03T02:00:00Z";
  b.meta.completion_timestamp = "2026-12-03T02:00:07Z";
  b.meta.expiration = "2027-01-02T02:00:00Z";
  b.meta.included_namespaces = {"*"};
  b.meta.cluster_git_version = "v1.31.4+k3s1";
  b.meta.cluster_major = "1";
  b.meta.cluster_minor = "31";
  b.meta.log = "time=\"2026-12-03T02:00:00Z\" level=info msg=\"Setting up backup log\"\n";
  b.items.push_back(TestItem("pods", "", "v1", "Pod", "default", "nginx",
                             {{"spec", {{"containers", {{{"name", "nginx"}, {"image", "nginx:1.27"}}}}}},
                              {"metadata", {{"annotations", {{"note", "<b>&"}}}}}}));
  b.items.push_back(TestItem("pods", "", "v1", "Pod", "default", "a"));
  b.items.push_back(TestItem("deployments.apps", "apps", "v1", "Deployment", "web", "site"));
  b.items.push_back(TestItem("namespaces", "", "v1", "Namespace", "", "web"));
  b.items.push_back(TestItem("clusterroles.rbac.authorization.k8s.io", "rbac.authorization.k8s.io", "v1",
                             "ClusterRole", "", "reader"));
  return b;
}

}  // namespace hort::resources
