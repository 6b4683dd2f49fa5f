#include "kube/permissions.h"

#include <map>
#include <set>
#include <tuple>

#include "kube/json_fields.h"

namespace hort::kube {

const std::vector<Permission>& NeededPermissions() {
  static const std::vector<Permission> kTable = {
      // Discovery of who hort is and what it may do needs no grant (system:basic-user).
      {"", "namespaces", "", "get", "config check --kube: the services' namespaces exist"},
      {"", "persistentvolumeclaims", "", "get", "config check --kube: the catalog's PVCs exist"},
      {"", "persistentvolumeclaims", "", "list", "kube coverage: every PVC of the cluster"},
      {"", "pods", "", "get", "files dump: the pod a dump runs in"},
      {"", "pods", "", "list", "files dump by label, k8up_annotations, kube coverage"},
      {"", "pods", "exec", "create", "files dump: the command runs in the container (K8up's backupcommand)"},
      {"", "persistentvolumes", "", "get", "volumes: a claim's PersistentVolume names its Longhorn volume"},
      {"snapshot.storage.k8s.io", "volumesnapshots", "", "create", "volumes snapshots: take a CSI snapshot of a claim"},
      {"snapshot.storage.k8s.io", "volumesnapshots", "", "get", "volumes snapshots: wait for readyToUse"},
      {"snapshot.storage.k8s.io", "volumesnapshots", "", "list", "volumes snapshots: the series the keep rule reads"},
      {"snapshot.storage.k8s.io", "volumesnapshots", "", "delete", "volumes snapshots: the keep rule, a snapshot never ready"},
      {"longhorn.io", "snapshots", "", "create", "volumes: Longhorn snapshots, and the snapshot a triggered backup reads"},
      {"longhorn.io", "snapshots", "", "get", "volumes: wait for a Longhorn snapshot's readyToUse"},
      {"longhorn.io", "snapshots", "", "list", "volumes snapshots (longhorn): the series the keep rule reads"},
      {"longhorn.io", "snapshots", "", "delete", "volumes snapshots (longhorn): the keep rule, a snapshot never ready"},
      {"longhorn.io", "backups", "", "create", "volumes longhorn.trigger_backup: ask Longhorn for a backup"},
      {"longhorn.io", "backups", "", "get", "volumes longhorn.trigger_backup: follow the backup to its end"},
  };
  return kTable;
}

std::string PermissionName(const Permission& p) {
  std::string n = p.resource;
  if (*p.group) n += std::string(".") + p.group;
  if (*p.subresource) n += std::string("/") + p.subresource;
  return n;
}

Result<std::vector<PermissionCheck>> CheckPermissions(Client& client) {
  HORT_ASSIGN_OR_RETURN(Discovery d, client.Discover());
  const ResourceInfo* ssar = d.Find("authorization.k8s.io", "v1", "selfsubjectaccessreviews");
  if (!ssar) return Status(Code::kUnsupported, "the cluster serves no authorization.k8s.io/v1 selfsubjectaccessreviews");
  std::vector<PermissionCheck> out;
  for (const Permission& p : NeededPermissions()) {
    Json attributes = {{"verb", p.verb}, {"group", p.group}, {"resource", p.resource}};
    if (*p.subresource) attributes["subresource"] = p.subresource;
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

Json ClusterRoleFor(const std::string& name) {
  // One rule per (group, resource with subresource), verbs merged, in table order.
  std::vector<std::tuple<std::string, std::string>> order;
  std::map<std::tuple<std::string, std::string>, std::set<std::string>> verbs;
  for (const Permission& p : NeededPermissions()) {
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
  return {{"apiVersion", "rbac.authorization.k8s.io/v1"},
          {"kind", "ClusterRole"},
          {"metadata", {{"name", name}, {"labels", {{"app.kubernetes.io/name", "hort"}}}}},
          {"rules", rules}};
}

}  // namespace hort::kube
