#include "resources/restore_plan.h"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <tuple>

#include "kube/json_fields.h"
#include "kube/label_selector.h"

namespace hort::resources {
namespace {

using kube::ArrayAt;
using kube::ObjectAt;
using kube::StringAt;

constexpr const char* kCrds = "customresourcedefinitions.apiextensions.k8s.io";

// Velero's defaultRestorePriorities (pkg/cmd/server/config/config.go), each
// entry as discovery resolves it: "customresourcedefinitions" is the
// apiextensions one, the singular "volumesnapshotclass…" the plural.
const std::vector<std::string>& HighPriorities() {
  static const std::vector<std::string> list = {
      kCrds, "namespaces", "storageclasses.storage.k8s.io", "volumesnapshotclasses.snapshot.storage.k8s.io",
      "volumesnapshotcontents.snapshot.storage.k8s.io", "volumesnapshots.snapshot.storage.k8s.io",
      "datauploads.velero.io", "persistentvolumes", "persistentvolumeclaims",
      "clusterroles.rbac.authorization.k8s.io", "roles.rbac.authorization.k8s.io", "serviceaccounts",
      "clusterrolebindings.rbac.authorization.k8s.io", "rolebindings.rbac.authorization.k8s.io", "secrets",
      "configmaps", "limitranges", "priorityclasses.scheduling.k8s.io", "pods", "replicasets.apps",
      "clusterclasses.cluster.x-k8s.io", "endpoints", "services"};
  return list;
}

const std::vector<std::string>& LowPriorities() {
  static const std::vector<std::string> list = {
      "clusterbootstraps.run.tanzu.vmware.com", "clusters.cluster.x-k8s.io",
      "clusterresourcesets.addons.cluster.x-k8s.io", "apps.kappctrl.k14s.io", "packageinstalls.packaging.carvel.dev"};
  return list;
}

bool IsAll(const std::vector<std::string>& names) {
  return names.empty() || (names.size() == 1 && names[0] == "*");
}

// Velero's ValidateIncludesExcludes, in its words: lists that contradict
// themselves are refused rather than read one way or the other.
Status CheckIncludesExcludes(const std::vector<std::string>& includes, const std::vector<std::string>& excludes,
                             const std::string& what) {
  const std::set<std::string> in(includes.begin(), includes.end()), out(excludes.begin(), excludes.end());
  if (in.size() > 1 && in.count("*")) {
    return Status(Code::kInvalidArgument, what + ": includes list must either contain '*' only, or a non-empty list of items");
  }
  if (out.count("*")) return Status(Code::kInvalidArgument, what + ": excludes list cannot contain '*'");
  for (const auto& name : out) {
    if (in.count(name)) {
      return Status(Code::kInvalidArgument, what + ": excludes list cannot contain an item in the includes list: " + name);
    }
  }
  return Status::Ok();
}

// A type the target does not serve yet that the backup brings (its CRD is
// restored first): its group/resource as the backup names it, else "".
// Velero keeps a name it cannot resolve as it is; a name of nothing in the
// backup either stays an error (a typo restores nothing without a word).
std::string BroughtByTheBackup(const ResourceBackup& backup, const std::string& name) {
  std::set<std::string> found;
  for (const auto& item : backup.items) {
    const std::string& gr = item.group_resource;
    if (gr == name || gr.substr(0, gr.find('.')) == name) found.insert(gr);
  }
  if (found.count(name)) return name;
  return found.size() == 1 ? *found.begin() : "";
}

// Velero's resource names through discovery, as group/resource names.
Result<std::set<std::string>> ResolveNames(const std::vector<std::string>& names, const kube::Discovery& target,
                                           const ResourceBackup& backup, const char* what) {
  std::set<std::string> out;
  for (const auto& name : names) {
    if (name == "*") continue;
    if (const kube::ResourceInfo* r = target.Find(name)) {
      out.insert(r->GroupResource());
    } else if (std::string gr = BroughtByTheBackup(backup, name); !gr.empty()) {
      out.insert(gr);
    } else {
      return Status(Code::kInvalidArgument, std::string(what) + " resource \"" + name +
                                                "\" is not served by the target cluster, nor in the backup");
    }
  }
  return out;
}

// What Velero's restore item actions add as additional items, restored
// right before the item whatever the label selector says: a pod's claims
// and its PriorityClass (ReferencesOfPod), a bound claim's volume
// (add_pv_from_pvc_action.go: phase Bound and a volumeName).
// (group/resource, namespace, name).
std::vector<std::tuple<std::string, std::string, std::string>> Needs(const Item& item) {
  std::vector<std::tuple<std::string, std::string, std::string>> out;
  if (item.group_resource == "pods") {
    const PodReferences refs = ReferencesOfPod(item.object);
    for (const auto& claim : refs.claims) out.emplace_back("persistentvolumeclaims", item.ns, claim);
    if (!refs.priority_class.empty()) out.emplace_back("priorityclasses.scheduling.k8s.io", "", refs.priority_class);
  } else if (item.group_resource == "persistentvolumeclaims" && StringAt(item.object, "/status/phase") == "Bound") {
    const std::string volume = StringAt(item.object, "/spec/volumeName");
    if (!volume.empty()) out.emplace_back("persistentvolumes", "", volume);
  }
  return out;
}

std::map<std::string, std::string> LabelsOf(const Json& object) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : ObjectAt(object, "/metadata/labels").items()) {
    if (v.is_string()) out[k] = v.get<std::string>();
  }
  return out;
}

// Why Velero leaves an item out whatever the filters say ("" = restore it).
std::string RuleSkip(const Item& item) {
  if (IsNeverRestored(item.group_resource)) return "never restored (" + item.group_resource + ")";
  if (item.group_resource == "pods") {
    std::string phase = StringAt(item.object, "/status/phase");
    if (phase == "Succeeded" || phase == "Failed") return "completed pod (phase " + phase + ")";
    if (kube::FieldAt(item.object, "/metadata/annotations/kubernetes.io~1config.mirror")) return "mirror pod";
  }
  if (item.group_resource == "jobs.batch" && !StringAt(item.object, "/status/completionTime").empty()) {
    return "completed job";
  }
  return "";
}

// A resource a backed-up CRD defines, for a target that does not serve it yet.
std::optional<kube::ResourceInfo> FromCrd(const Item& item, const std::vector<const Item*>& crds) {
  std::string resource = item.group_resource.substr(0, item.group_resource.find('.'));
  for (const Item* crd : crds) {
    const Json& o = crd->object;
    if (StringAt(o, "/spec/group") != item.group || StringAt(o, "/spec/names/plural") != resource) continue;
    kube::ResourceInfo r;
    r.group = item.group;
    r.resource = resource;
    r.kind = StringAt(o, "/spec/names/kind", item.kind);
    r.singular = StringAt(o, "/spec/names/singular");
    r.namespaced = StringAt(o, "/spec/scope") == "Namespaced";
    r.verbs = {"create", "get", "list", "patch", "update", "delete"};
    for (const auto& v : ArrayAt(o, "/spec/versions")) {
      if (!kube::BoolAt(v, "/served", true)) continue;
      std::string name = StringAt(v, "/name");
      if (r.version.empty() || name == item.version) r.version = name;
    }
    if (r.version.empty()) r.version = item.version;
    r.preferred = true;
    return r;
  }
  return std::nullopt;
}

// `ordered` with what each item needs (Needs) placed right before it, as
// Velero restores additional items: those the selector left out, and those
// of a later resource (a PriorityClass comes after pods in the priority
// order; a pod whose class does not exist yet is refused). Each item once;
// `keep` says whether a needed item may be restored at all.
std::vector<const Item*> WithWhatTheyNeed(const ResourceBackup& backup, const std::vector<const Item*>& ordered,
                                          const std::function<bool(const Item&)>& keep) {
  std::map<std::tuple<std::string, std::string, std::string>, const Item*> index;
  for (const auto& item : backup.items) index.emplace(std::tie(item.group_resource, item.ns, item.name), &item);
  std::vector<const Item*> out;
  std::set<const Item*> placed;
  std::function<void(const Item*)> place = [&](const Item* item) {
    if (!placed.insert(item).second) return;
    for (const auto& key : Needs(*item)) {
      auto it = index.find(key);
      if (it != index.end() && keep(*it->second)) place(it->second);
    }
    out.push_back(item);
  };
  for (const Item* item : ordered) place(item);
  return out;
}

}  // namespace

bool IsNeverRestored(const std::string& group_resource) {
  static const std::set<std::string> never = {
      "nodes", "events", "events.events.k8s.io", "backups.velero.io", "restores.velero.io",
      "resticrepositories.velero.io", "csinodes.storage.k8s.io", "volumeattachments.storage.k8s.io",
      "backuprepositories.velero.io"};
  return never.count(group_resource) > 0;
}

std::vector<std::string> OrderResources(const std::set<std::string>& group_resources) {
  std::vector<std::string> out;
  std::set<std::string> placed;
  for (const auto& gr : HighPriorities()) {
    if (group_resources.count(gr) && placed.insert(gr).second) out.push_back(gr);
  }
  const auto& low = LowPriorities();
  for (const auto& gr : group_resources) {  // std::set: alphabetical
    if (!placed.count(gr) && std::find(low.begin(), low.end(), gr) == low.end()) {
      out.push_back(gr);
      placed.insert(gr);
    }
  }
  for (const auto& gr : low) {
    if (group_resources.count(gr) && placed.insert(gr).second) out.push_back(gr);
  }
  return out;
}

const kube::ResourceInfo* ResolveTarget(const Item& item, const kube::Discovery& target) {
  std::string resource = item.group_resource.substr(0, item.group_resource.find('.'));
  if (const kube::ResourceInfo* same = target.Find(item.group, item.version, resource);
      same && same->resource == resource) {
    return same;
  }
  // Discovery lists each group's preferred version first.
  const kube::ResourceInfo* any = target.Find(item.group, "", resource);
  return any && any->resource == resource ? any : nullptr;
}

Result<RestorePlan> PlanRestore(const ResourceBackup& backup, const kube::Discovery& target,
                                const RestoreOptions& options) {
  HORT_RETURN_IF_ERROR(CheckIncludesExcludes(options.included_resources, options.excluded_resources, "resources"));
  HORT_RETURN_IF_ERROR(CheckIncludesExcludes(options.included_namespaces, options.excluded_namespaces, "namespaces"));
  HORT_ASSIGN_OR_RETURN(std::set<std::string> included,
                        ResolveNames(options.included_resources, target, backup, "included"));
  HORT_ASSIGN_OR_RETURN(std::set<std::string> excluded,
                        ResolveNames(options.excluded_resources, target, backup, "excluded"));
  // Again by group/resource: one type under two names (pod, pods) in both lists.
  HORT_RETURN_IF_ERROR(CheckIncludesExcludes({included.begin(), included.end()}, {excluded.begin(), excluded.end()},
                                             "resources"));
  for (const auto& gr : included) {
    if (IsNeverRestored(gr)) return Status(Code::kInvalidArgument, "resource \"" + gr + "\" cannot be restored");
  }
  HORT_ASSIGN_OR_RETURN(kube::LabelSelector selector, kube::LabelSelector::Parse(options.label_selector));
  const std::set<std::string> ns_in(options.included_namespaces.begin(), options.included_namespaces.end());
  const std::set<std::string> ns_out(options.excluded_namespaces.begin(), options.excluded_namespaces.end());
  auto namespace_wanted = [&](const std::string& ns) {
    return !ns_out.count(ns) && (IsAll(options.included_namespaces) || ns_in.count(ns));
  };

  std::vector<const Item*> crds;
  for (const auto& item : backup.items) {
    if (item.group_resource == kCrds) crds.push_back(&item);
  }
  // The resource and namespace filters; the label selector is applied to the
  // items the backup lists, not to what they need (below).
  auto filters_keep = [&](const Item& item) {
    if (!IsAll(options.included_resources) && !included.count(item.group_resource)) return false;
    if (excluded.count(item.group_resource)) return false;
    // Namespaces are filtered by their own name, namespaced items by theirs.
    if (item.group_resource == "namespaces" && !namespace_wanted(item.name)) return false;
    return !item.namespaced || namespace_wanted(item.ns);
  };

  RestorePlan plan;
  std::map<std::string, std::vector<const Item*>> by_resource;
  for (const auto& item : backup.items) {
    if (!filters_keep(item) || !selector.Matches(LabelsOf(item.object))) continue;
    // Reported only for items the filters wanted: Velero's order.
    if (std::string why = RuleSkip(item); !why.empty()) {
      plan.skipped.push_back({item.group_resource, item.ns, item.name, why});
      continue;
    }
    by_resource[item.group_resource].push_back(&item);
  }

  std::vector<const Item*> ordered;
  std::set<std::string> names;
  for (const auto& [gr, items] : by_resource) names.insert(gr);
  for (const auto& gr : OrderResources(names)) {
    auto& items = by_resource[gr];
    std::stable_sort(items.begin(), items.end(), [](const Item* a, const Item* b) {
      return std::tie(a->ns, a->name) < std::tie(b->ns, b->name);
    });
    ordered.insert(ordered.end(), items.begin(), items.end());
  }

  for (const Item* item : WithWhatTheyNeed(backup, ordered, [&](const Item& needed) {
         return filters_keep(needed) && RuleSkip(needed).empty();
       })) {
    const std::string& gr = item->group_resource;
    PlannedItem planned;
    planned.item = item;
    if (const kube::ResourceInfo* r = ResolveTarget(*item, target)) {
      planned.resource = *r;
    } else if (auto from_crd = FromCrd(*item, crds)) {
      planned.resource = *from_crd;
      planned.needs_crd = true;
    } else {
      plan.skipped.push_back({gr, item->ns, item->name,
                              "the target cluster does not serve " + gr + " and the backup has no CRD for it", true});
      continue;
    }
    planned.target_ns = planned.resource.namespaced ? options.MapNamespace(item->ns) : "";
    plan.items.push_back(std::move(planned));
  }
  return plan;
}

}  // namespace hort::resources
