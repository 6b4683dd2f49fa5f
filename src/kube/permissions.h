// Every permission hort needs in a cluster, in one table: `hort kube check`
// asks the API about each (SelfSubjectAccessReview), and the RBAC manifests
// hort ships are generated from the same table, so the two never disagree.
#pragma once

#include <string>
#include <vector>

#include "kube/client.h"

namespace hort::kube {

struct Permission {
  // Which layer's jobs need it ("files", "resources", "volumes"); "" for
  // what every hort needs (the catalog and coverage checks).
  const char* layer;
  const char* group;        // "" = core, "*" = every group
  const char* resource;     // plural, e.g. "persistentvolumeclaims"; "*" = every resource
  const char* subresource;  // "" or e.g. "exec"
  const char* verb;         // get, list, create, …
  const char* why;          // the hort feature that needs it
};

[[nodiscard]] const std::vector<Permission>& NeededPermissions();
// The rows a hort running these layers needs (the layer-less rows always); empty `layers`: every row.
[[nodiscard]] std::vector<const Permission*> PermissionsFor(const std::vector<std::string>& layers);

// "pods/exec" or "deployments.apps" style, for messages.
[[nodiscard]] std::string PermissionName(const Permission& p);

struct PermissionCheck {
  const Permission* permission;
  bool allowed = false;
  std::string reason;  // the authorizer's, when it gave one
};

// One SelfSubjectAccessReview per row of PermissionsFor(layers), cluster-wide
// (every namespace), as hort's ClusterRole grants them.
[[nodiscard]] Result<std::vector<PermissionCheck>> CheckPermissions(Client& client,
                                                                    const std::vector<std::string>& layers = {});

struct Identity {
  std::string username;
  std::vector<std::string> groups;
};
// authentication.k8s.io/v1 SelfSubjectReview (kubectl auth whoami); kNotFound
// from a server that does not serve it.
[[nodiscard]] Result<Identity> WhoAmI(Client& client);

// A ClusterRole granting exactly PermissionsFor(layers), as one JSON object.
[[nodiscard]] Json ClusterRoleFor(const std::string& name, const std::vector<std::string>& layers = {});

}  // namespace hort::kube
