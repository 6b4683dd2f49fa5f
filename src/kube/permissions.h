// Every permission hort needs in a cluster, in one table: `hort kube check`
// asks the API about each (SelfSubjectAccessReview), and the RBAC manifests
// hort ships are generated from the same table, so the two never disagree.
#pragma once

#include <string>
#include <vector>

#include "kube/client.h"

namespace hort::kube {

struct Permission {
  const char* group;        // "" = core
  const char* resource;     // plural, e.g. "persistentvolumeclaims"
  const char* subresource;  // "" or e.g. "exec"
  const char* verb;         // get, list, create, …
  const char* why;          // the hort feature that needs it
};

[[nodiscard]] const std::vector<Permission>& NeededPermissions();

// "pods/exec" or "deployments.apps" style, for messages.
[[nodiscard]] std::string PermissionName(const Permission& p);

struct PermissionCheck {
  const Permission* permission;
  bool allowed = false;
  std::string reason;  // the authorizer's, when it gave one
};

// One SelfSubjectAccessReview per row, cluster-wide (every namespace), as
// hort's ClusterRole grants them.
[[nodiscard]] Result<std::vector<PermissionCheck>> CheckPermissions(Client& client);

struct Identity {
  std::string username;
  std::vector<std::string> groups;
};
// authentication.k8s.io/v1 SelfSubjectReview (kubectl auth whoami); kNotFound
// from a server that does not serve it.
[[nodiscard]] Result<Identity> WhoAmI(Client& client);

// A ClusterRole granting exactly the table, as one JSON object.
[[nodiscard]] Json ClusterRoleFor(const std::string& name);

}  // namespace hort::kube
