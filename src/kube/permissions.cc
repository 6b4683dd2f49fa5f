#include "kube/permissions.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <tuple>

#include "kube/json_fields.h"

namespace hort::kube {

const std::vector<Permission>& NeededPermissions() {
  static const std::vector<Permission> kTable = {
      // Discovery of who hort is and what it may do needs no grant (system:basic-user).
      {"", "", "namespaces", "", "get", "config check --kube: the services' namespaces exist"},
      {"", "", "persistentvolumeclaims", "", "get", "config check --kube: the catalog's PVCs exist"},
      {"", "", "persistentvolumeclaims", "", "list", "kube coverage: every PVC of the cluster"},
      {"", "", "pods", "", "list", "kube coverage: which pods use a PVC; files dumps by label, k8up_annotations"},
      {"files", "", "pods", "", "get", "files dump: the pod a dump runs in"},
      {"files", "", "pods", "exec", "create", "files dump: the command runs in the container (K8up's backupcommand)"},
      // hort agent (files pvc entries without source): serve hands a claim's
      // backup to the agent on its node through a Lease in hort's own namespace.
      {"agent", "coordination.k8s.io", "leases", "", "create", "agent: serve creates a task for the node's agent", Scope::kOwnNamespace},
      {"agent", "coordination.k8s.io", "leases", "", "get", "agent: serve follows a task to its result", Scope::kOwnNamespace},
      {"agent", "coordination.k8s.io", "leases", "", "list", "agent: the agents find their node's tasks", Scope::kOwnNamespace},
      {"agent", "coordination.k8s.io", "leases", "", "update", "agent: an agent claims, renews and finishes a task", Scope::kOwnNamespace},
      {"agent", "coordination.k8s.io", "leases", "", "delete", "agent: serve removes a finished task", Scope::kOwnNamespace},
      {"agent", "batch", "jobs", "", "create", "agent: a holder Job mounts a claim no pod mounts"},
      {"agent", "batch", "jobs", "", "delete", "agent: remove the holder Job afterwards, or one a stopped serve left"},
      {"agent", "", "pods", "", "get", "agent: the task's pod (uid, node, the claim) checked before its folder is read"},
      {"agent", "", "persistentvolumes", "", "get", "agent: hostPath volumes (k3s local-path) refused"},
      {"agent", "", "persistentvolumeclaims", "", "create", "agent: hort restore --to-pvc --create makes the claim"},
      {"agent", "", "persistentvolumeclaims", "", "delete", "agent: restore tests with scratch_pvc remove their scratch claims; "
       "restore --to-pvc --create removes the claim it made when the restore failed"},
      // The resources layer reads every kind a service may hold (CRs included)
      // and restores any of them, as Velero does with cluster-admin; it never
      // deletes anything but its own scratch namespaces.
      {"resources", "*", "*", "", "get", "resources backup: cluster-scoped objects of a service, PVs, CRDs"},
      {"resources", "*", "*", "", "list", "resources backup: every kind in the services' namespaces"},
      {"resources", "*", "*", "", "create", "resources restore and BT-VL-01; velero verify level 5 (dry run)"},
      {"resources", "*", "*", "", "patch", "resources restore: labels, --existing-resource-policy update"},
      {"resources", "", "namespaces", "", "delete", "BT-VL-01: removes its scratch namespaces"},
      // kube-apiserver refuses a Role or binding that grants more than its
      // creator holds (watch, delete, a binding to `edit`) unless the creator
      // may escalate roles and bind them: without these a restore of most
      // namespaces fails with 403 on a real cluster.
      {"resources", "rbac.authorization.k8s.io", "roles", "", "escalate", "resources restore: Roles granting what hort itself does not hold"},
      {"resources", "rbac.authorization.k8s.io", "roles", "", "bind", "resources restore: RoleBindings to Roles hort does not hold"},
      {"resources", "rbac.authorization.k8s.io", "clusterroles", "", "escalate", "resources restore: ClusterRoles granting what hort does not hold"},
      {"resources", "rbac.authorization.k8s.io", "clusterroles", "", "bind", "resources restore: bindings to ClusterRoles such as edit or view"},
      {"volumes", "", "persistentvolumes", "", "get", "volumes: a claim's PersistentVolume names its Longhorn volume"},
      {"volumes", "snapshot.storage.k8s.io", "volumesnapshots", "", "create", "volumes snapshots: take a CSI snapshot of a claim"},
      {"volumes", "snapshot.storage.k8s.io", "volumesnapshots", "", "get", "volumes snapshots: wait for readyToUse"},
      {"volumes", "snapshot.storage.k8s.io", "volumesnapshots", "", "list", "volumes snapshots: the series the keep rule reads"},
      {"volumes", "snapshot.storage.k8s.io", "volumesnapshots", "", "delete", "volumes snapshots: the keep rule, a snapshot never ready"},
      {"volumes", "longhorn.io", "snapshots", "", "create", "volumes: Longhorn snapshots, and the snapshot a triggered backup reads"},
      {"volumes", "longhorn.io", "snapshots", "", "get", "volumes: wait for a Longhorn snapshot's readyToUse"},
      {"volumes", "longhorn.io", "snapshots", "", "list", "volumes snapshots (longhorn): the series the keep rule reads"},
      {"volumes", "longhorn.io", "snapshots", "", "delete", "volumes snapshots (longhorn): the keep rule, a snapshot never ready"},
      {"volumes", "longhorn.io", "backups", "", "create", "volumes longhorn.trigger_backup: ask Longhorn for a backup"},
      {"volumes", "longhorn.io", "backups", "", "get", "volumes longhorn.trigger_backup: follow the backup to its end"},
  };
  return kTable;
}

std::vector<const Permission*> PermissionsFor(const std::vector<std::string>& layers) {
  std::vector<const Permission*> out;
  // Two layers may need one permission (pods get: files and agent); it is checked and listed once.
  std::set<std::tuple<std::string, std::string, std::string, std::string, Scope>> seen;
  for (const Permission& p : NeededPermissions()) {
    if (layers.empty() || !*p.layer || std::find(layers.begin(), layers.end(), p.layer) != layers.end()) {
      if (seen.emplace(p.group, p.resource, p.subresource, p.verb, p.scope).second) out.push_back(&p);
    }
  }
  return out;
}

std::string PermissionName(const Permission& p) {
  std::string n = p.resource;
  if (*p.group) n += std::string(".") + p.group;  // "*.*": every resource of every group
  if (*p.subresource) n += std::string("/") + p.subresource;
  return n;
}

std::string PermissionWhere(const Permission& p, const std::string& own_namespace) {
  return p.scope == Scope::kCluster ? "all namespaces" : "namespace " + own_namespace;
}

Result<std::vector<PermissionCheck>> CheckPermissions(Client& client, const std::vector<std::string>& layers) {
  HORT_ASSIGN_OR_RETURN(Discovery d, client.Discover());
  const ResourceInfo* ssar = d.Find("authorization.k8s.io", "v1", "selfsubjectaccessreviews");
  if (!ssar) return Status(Code::kUnsupported, "the cluster serves no authorization.k8s.io/v1 selfsubjectaccessreviews");
  std::vector<PermissionCheck> out;
  for (const Permission* row : PermissionsFor(layers)) {
    const Permission& p = *row;
    Json attributes = {{"verb", p.verb}, {"group", p.group}, {"resource", p.resource}};
    if (*p.subresource) attributes["subresource"] = p.subresource;
    if (p.scope == Scope::kOwnNamespace) attributes["namespace"] = HortNamespace(client);
    Json review = {{"apiVersion", "authorization.k8s.io/v1"},
                   {"kind", "SelfSubjectAccessReview"},
                   {"spec", {{"resourceAttributes", attributes}}}};
    HORT_ASSIGN_OR_RETURN(Json answer, client.Create(*ssar, "", review, WriteOptions{}));
    PermissionCheck c{.permission = &p};
    c.allowed = BoolAt(answer, "/status/allowed");
    c.reason = StringAt(answer, "/status/reason");
    out.push_back(std::move(c));
  }
  return out;
}

Result<Identity> WhoAmI(Client& client) {
  HORT_ASSIGN_OR_RETURN(Discovery d, client.Discover());
  const ResourceInfo* ssr = d.Find("authentication.k8s.io", "v1", "selfsubjectreviews");
  if (!ssr) return Status(Code::kNotFound, "the cluster serves no authentication.k8s.io/v1 selfsubjectreviews");
  Json review = {{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "SelfSubjectReview"}};
  HORT_ASSIGN_OR_RETURN(Json answer, client.Create(*ssr, "", review, WriteOptions{}));
  Identity id;
  id.username = StringAt(answer, "/status/userInfo/username");
  for (const auto& g : ArrayAt(answer, "/status/userInfo/groups")) {
    if (g.is_string()) id.groups.push_back(g.get<std::string>());
  }
  return id;
}

namespace {

// One rule per (group, resource with subresource), verbs merged, in table order.
Json RulesFor(const std::vector<std::string>& layers, Scope scope) {
  std::vector<std::tuple<std::string, std::string>> order;
  std::map<std::tuple<std::string, std::string>, std::set<std::string>> verbs;
  for (const Permission* row : PermissionsFor(layers)) {
    const Permission& p = *row;
    if (p.scope != scope) continue;
    std::string res = std::string(p.resource) + (*p.subresource ? std::string("/") + p.subresource : "");
    auto key = std::make_tuple(std::string(p.group), res);
    if (!verbs.count(key)) order.push_back(key);
    verbs[key].insert(p.verb);
  }
  Json rules = Json::array();
  for (const auto& key : order) {
    rules.push_back({{"apiGroups", {std::get<0>(key)}},
                     {"resources", {std::get<1>(key)}},
                     {"verbs", std::vector<std::string>(verbs[key].begin(), verbs[key].end())}});
  }
  return rules;
}

}  // namespace

Json ClusterRoleFor(const std::string& name, const std::vector<std::string>& layers) {
  return {{"apiVersion", "rbac.authorization.k8s.io/v1"},
          {"kind", "ClusterRole"},
          {"metadata", {{"name", name}, {"labels", {{"app.kubernetes.io/name", "hort"}}}}},
          {"rules", RulesFor(layers, Scope::kCluster)}};
}

Json RoleFor(const std::string& name, const std::string& ns, const std::vector<std::string>& layers) {
  Json rules = RulesFor(layers, Scope::kOwnNamespace);
  if (rules.empty()) return nullptr;
  return {{"apiVersion", "rbac.authorization.k8s.io/v1"},
          {"kind", "Role"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"app.kubernetes.io/name", "hort"}}}}},
          {"rules", rules}};
}

std::string HortNamespace(const Client& /*client*/) {
  for (const char* name : {"POD_NAMESPACE", "HORT_NAMESPACE"}) {
    const char* env = std::getenv(name);
    if (env && *env) return env;
  }
  return kDefaultHortNamespace;
}

}  // namespace hort::kube
