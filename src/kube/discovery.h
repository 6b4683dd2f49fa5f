// What the API server serves: groups, versions and resources with their
// scope, verbs and subresources, read from aggregated discovery
// (apidiscovery.k8s.io/v2) or, from servers without it, /api, /apis and
// /apis/<group>/<version>.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace hort::kube {

struct ResourceInfo {
  std::string group;     // "" for the core group
  std::string version;   // "v1"
  std::string resource;  // plural, "deployments"
  std::string kind;      // "Deployment"
  std::string singular;  // "deployment"
  bool namespaced = false;
  bool preferred = false;  // this version is the group's preferred one
  std::vector<std::string> verbs;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  std::vector<std::string> subresources;  // "status", "scale", "exec" …

  [[nodiscard]] bool Can(std::string_view verb) const;
  [[nodiscard]] bool HasSubresource(std::string_view name) const;
  [[nodiscard]] std::string GroupVersion() const;  // "v1", "apps/v1"
  [[nodiscard]] std::string GroupResource() const; // "pods", "deployments.apps" (Velero's folder name)
};

struct Discovery {
  std::vector<ResourceInfo> resources;  // every served version, preferred versions first within a group

  // "deployments", "deployments.apps", "deploy", "Deployment", "deployment.apps",
  // "deployments.v1.apps": kubectl's lookup rules, preferred version. nullptr when unknown.
  [[nodiscard]] const ResourceInfo* Find(std::string_view name) const;
  [[nodiscard]] const ResourceInfo* Find(std::string_view group, std::string_view version,
                                         std::string_view resource) const;
  // Preferred version of each group/resource only.
  [[nodiscard]] std::vector<const ResourceInfo*> Preferred() const;
};

// Parsers for the documents themselves (tested on kube-apiserver's real ones).
// `core` is /api/v1 (an APIResourceList) or the aggregated /api; `groups` is the aggregated /apis.
[[nodiscard]] Result<Discovery> ParseAggregated(std::string_view core_aggregated, std::string_view groups_aggregated);
// Legacy path: /api/v1's APIResourceList plus each group's list with whether it is the preferred version.
struct ResourceListDocument {
  std::string body;        // APIResourceList JSON
  bool preferred = false;
};
[[nodiscard]] Result<Discovery> ParseResourceLists(const std::vector<ResourceListDocument>& lists);

}  // namespace hort::kube
