// Every permission hort needs in a cluster, in one table: `hort kube check`
// asks the API about each (SelfSubjectAccessReview), and the RBAC manifests
// hort ships are generated from the same table, so the two never disagree.
#pragma once

#include <string>
#include <vector>

#include "kube/client.h"

namespace hort::kube {

// Where a row is granted: in every namespace (hort's ClusterRole), or only in
// hort's own namespace (a Role there; the client's DefaultNamespace()).
enum class Scope { kCluster, kOwnNamespace };

struct Permission {
  // Which layer's jobs need it ("files", "agent", "resources", "volumes"); ""
  // for what every hort needs (the catalog and coverage checks).
  const char* layer;
  const char* group;        // "" = core, "*" = every group
  const char* resource;     // plural, e.g. "persistentvolumeclaims"; "*" = every resource
  const char* subresource;  // "" or e.g. "exec"
  const char* verb;         // get, list, create, …
  const char* why;          // the hort feature that needs it
  Scope scope = Scope::kCluster;
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

// "all namespaces" or "namespace NS": where a row is checked and granted.
[[nodiscard]] std::string PermissionWhere(const Permission& p, const std::string& own_namespace);

// One SelfSubjectAccessReview per row of PermissionsFor(layers): cluster rows
// in every namespace, as hort's ClusterRole grants them; own-namespace rows in
// the client's DefaultNamespace(), as hort's Role there grants them.
[[nodiscard]] Result<std::vector<PermissionCheck>> CheckPermissions(Client& client,
                                                                    const std::vector<std::string>& layers = {});

struct Identity {
  std::string username;
  std::vector<std::string> groups;
};
// authentication.k8s.io/v1 SelfSubjectReview (kubectl auth whoami); kNotFound
// from a server that does not serve it.
[[nodiscard]] Result<Identity> WhoAmI(Client& client);

// A ClusterRole granting exactly the cluster rows of PermissionsFor(layers), as one JSON object.
[[nodiscard]] Json ClusterRoleFor(const std::string& name, const std::vector<std::string>& layers = {});
// A Role in `ns` granting exactly the own-namespace rows of PermissionsFor(layers);
// null when those layers need none.
[[nodiscard]] Json RoleFor(const std::string& name, const std::string& ns, const std::vector<std::string>& layers = {});

// hort's own namespace (its task Leases, the Role's rows): $POD_NAMESPACE
// (the manifests set it in hort's pods), else $HORT_NAMESPACE, else "hort",
// the manifests' default — not the kubeconfig's namespace, so that `hort
// restore --to-pvc` from a workstation finds the agents.
inline constexpr const char* kDefaultHortNamespace = "hort";
[[nodiscard]] std::string HortNamespace(const Client& client);

}  // namespace hort::kube
