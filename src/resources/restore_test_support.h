// Backed-up items and a target discovery for the restore engine's tests.
#pragma once

#include <string>

#include "kube/memory_client.h"
#include "resources/model.h"

namespace hort::resources::testing {

inline kube::ResourceInfo Resource(std::string group, std::string version, std::string resource, std::string kind,
                                   bool namespaced) {
  kube::ResourceInfo r;
  r.group = std::move(group);
  r.version = std::move(version);
  r.resource = std::move(resource);
  r.kind = std::move(kind);
  r.namespaced = namespaced;
  r.preferred = true;
  r.verbs = {"create", "delete", "get", "list", "patch", "update"};
  return r;
}

// The MemoryClient's built-ins plus what the restore tests touch.
inline kube::Discovery TestDiscovery() {
  kube::Discovery d = kube::BuiltinDiscovery();
  for (auto r : {Resource("", "v1", "serviceaccounts", "ServiceAccount", true),
                 Resource("", "v1", "events", "Event", true),
                 Resource("batch", "v1", "jobs", "Job", true),
                 Resource("rbac.authorization.k8s.io", "v1", "roles", "Role", true),
                 Resource("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false),
                 Resource("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true),
                 Resource("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false),
                 Resource("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false),
                 Resource("apiregistration.k8s.io", "v1", "apiservices", "APIService", false),
                 Resource("cluster.x-k8s.io", "v1beta1", "clusters", "Cluster", true),
                 Resource("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", false),
                 Resource("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true),
                 Resource("autoscaling", "v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true)}) {
    d.resources.push_back(std::move(r));
  }
  d.resources.back().preferred = false;
  return d;
}

// An item as the backup holds it; `object` gets kind, apiVersion, name and namespace.
inline Item MakeItem(const std::string& group_resource, const std::string& kind, const std::string& ns,
                     const std::string& name, Json object = Json::object(), const std::string& version = "v1") {
  Item item;
  item.group_resource = group_resource;
  auto dot = group_resource.find('.');
  item.group = dot == std::string::npos ? "" : group_resource.substr(dot + 1);
  item.version = version;
  item.kind = kind;
  item.namespaced = !ns.empty();
  item.ns = ns;
  item.name = name;
  object["kind"] = kind;
  object["apiVersion"] = item.ApiVersion();
  object["metadata"]["name"] = name;
  if (!ns.empty()) object["metadata"]["namespace"] = ns;
  item.object = std::move(object);
  return item;
}

}  // namespace hort::resources::testing
