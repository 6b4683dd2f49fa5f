#include "resources/collect.h"

#include <algorithm>
#include <ctime>
#include <map>
#include <set>

#include "kube/json_fields.h"
#include "kube/label_selector.h"

namespace hort::resources {

void CollectSpec::StartNow() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  now = ts.tv_sec;
  now_nanos = static_cast<int32_t>(ts.tv_nsec);
}

namespace {

using kube::ResourceInfo;

bool Supports(const ResourceInfo& r) {
  for (const char* verb : {"list", "create", "get", "delete"}) {
    if (!r.Can(verb)) return false;
  }
  return true;
}

// Velero's order: pods, PVCs and PVs first in the core group (hooks, then
// snapshots), custom resource definitions last; otherwise discovery order.
int Rank(const ResourceInfo& r) {
  if (r.group.empty() && r.resource == "pods") return 0;
  if (r.group.empty() && r.resource == "persistentvolumeclaims") return 1;
  if (r.group.empty() && r.resource == "persistentvolumes") return 2;
  if (r.group == "apiextensions.k8s.io" && r.resource == "customresourcedefinitions") return 4;
  return 3;
}

Result<std::set<std::string>> Resolve(const kube::Discovery& d, const std::vector<std::string>& names, const char* what) {
  std::set<std::string> out;
  for (const auto& n : names) {
    if (n == "*") continue;
    HORT_ASSIGN_OR_RETURN(const ResourceInfo* r, ListedType(d, n, what));
    out.insert(r->GroupResource());
  }
  return out;
}

}  // namespace

Result<const ResourceInfo*> ListedType(const kube::Discovery& d, const std::string& name, const char* what) {
  const ResourceInfo* r = d.Find(name);
  if (!r) return Status(Code::kInvalidArgument, std::string(what) + ": the cluster serves no resource \"" + name + "\"");
  return r;
}

Status RequiredKept(const kube::Discovery& d, const std::vector<std::string>& include,
                    const std::vector<std::string>& exclude, const std::vector<std::string>& require) {
  auto served = [&](const std::vector<std::string>& names) {
    std::set<std::string> out;
    for (const std::string& n : names) {
      if (const ResourceInfo* r = n == "*" ? nullptr : d.Find(n)) out.insert(r->GroupResource());
    }
    return out;
  };
  const std::set<std::string> in = served(include), out = served(exclude);
  for (const std::string& gr : served(require)) {
    if (out.count(gr) || (!in.empty() && !in.count(gr))) {
      return Status(Code::kInvalidArgument, "require: " + gr + " is left out by include/exclude");
    }
  }
  return Status::Ok();
}

Result<const ResourceInfo*> ClusterObjectsType(const kube::Discovery& d, const std::string& name) {
  const ResourceInfo* r = d.Find(name);
  if (!r) return Status(Code::kInvalidArgument, "cluster: the cluster serves no resource \"" + name + "\"");
  if (r->namespaced) {
    return Status(Code::kInvalidArgument, "cluster: " + r->GroupResource() + " is namespaced; its objects come with their namespace");
  }
  return r;
}

namespace {

bool Excluded(const kube::Json& object) {
  return kube::StringAt(object, "/metadata/labels/velero.io~1exclude-from-backup") == "true" ||
         kube::FieldAt(object, "/metadata/deletionTimestamp") != nullptr;
}

class Collector {
 public:
  Collector(kube::Client& client, const CollectSpec& spec) : client_(client), spec_(spec) {}

  Result<ResourceBackup> Run() {
    HORT_ASSIGN_OR_RETURN(kube::Discovery d, client_.Discover());
    HORT_ASSIGN_OR_RETURN(include_, Resolve(d, spec_.include, "include"));
    HORT_ASSIGN_OR_RETURN(exclude_, Resolve(d, spec_.exclude, "exclude"));
    HORT_ASSIGN_OR_RETURN(required_, Resolve(d, spec_.require, "require"));
    HORT_RETURN_IF_ERROR(ResolveClusterObjects(d));
    HORT_RETURN_IF_ERROR(RequiredKept(d, spec_.include, spec_.exclude, spec_.require));
    Meta();
    std::vector<const ResourceInfo*> types = BackupTypes(d);
    std::stable_sort(types.begin(), types.end(), [](auto* a, auto* b) { return Rank(*a) < Rank(*b); });
    for (const ResourceInfo* r : types) {
      if (!Wanted(*r)) continue;
      if (r->namespaced && !spec_.cluster_wide) HORT_RETURN_IF_ERROR(Namespaced(*r));
      if (!r->namespaced) HORT_RETURN_IF_ERROR(ClusterScoped(*r));
    }
    HORT_RETURN_IF_ERROR(AdditionalItems(d));
    if (!required_failure_.ok()) return required_failure_;
    Finish();
    return std::move(out_);
  }

 private:
  bool Wanted(const ResourceInfo& r) const {
    const std::string gr = r.GroupResource();
    if (exclude_.count(gr)) return false;
    return include_.empty() || include_.count(gr) || (gr == "namespaces" && !spec_.cluster_wide) ||
           std::any_of(cluster_.begin(), cluster_.end(), [&](const ClusterObjects& c) { return c.resource == gr; });
  }

  // A service's cluster objects name their type as kubectl does
  // (`clusterrole`, `ClusterRole`, `clusterroles.rbac.authorization.k8s.io`):
  // matched by spelling, every other form backed up nothing without a word.
  Status ResolveClusterObjects(const kube::Discovery& d) {
    for (const ClusterObjects& c : spec_.cluster) {
      HORT_ASSIGN_OR_RETURN(const ResourceInfo* r, ClusterObjectsType(d, c.resource));
      ClusterObjects resolved = c;
      resolved.resource = r->GroupResource();
      cluster_.push_back(std::move(resolved));
    }
    return Status::Ok();
  }

  Status Namespaced(const ResourceInfo& r) {
    for (const auto& ns : spec_.namespaces) {
      kube::ListOptions lo;
      lo.label_selector = spec_.label_selector;
      auto list = client_.List(r, ns, lo);
      if (!Recorded(list.status(), ns, r)) continue;
      for (auto& object : list->items) Add(r, std::move(object));
    }
    return Status::Ok();
  }

  Status ClusterScoped(const ResourceInfo& r) {
    const std::string gr = r.GroupResource();
    if (spec_.cluster_wide) {
      if (gr == "namespaces") return Status::Ok();  // each belongs to its service's entry
      kube::ListOptions lo;
      lo.label_selector = spec_.label_selector;
      auto list = client_.List(r, "", lo);
      if (!Recorded(list.status(), "", r)) return Status::Ok();
      for (auto& object : list->items) Add(r, std::move(object));
      return Status::Ok();
    }
    if (gr == "namespaces") {  // the Namespace objects of the entry's namespaces
      for (const auto& ns : spec_.namespaces) {
        auto got = client_.Get(r, "", ns);
        if (Recorded(got.status(), "", r)) Add(r, std::move(*got));
      }
      return Status::Ok();
    }
    for (const ClusterObjects& c : cluster_) {
      if (c.resource != gr) continue;
      for (const auto& name : c.names) {
        auto got = client_.Get(r, "", name);
        if (got.status().code() == Code::kNotFound) {  // named by the user: its absence is worth a line
          RecordError("", "error getting " + gr + " " + name + ": not found");
          continue;
        }
        if (Recorded(got.status(), "", r)) Add(r, std::move(*got));
      }
      if (!c.selector.empty()) {
        kube::ListOptions lo;
        lo.label_selector = c.selector;
        auto list = client_.List(r, "", lo);
        if (!Recorded(list.status(), "", r)) continue;
        for (auto& object : list->items) Add(r, std::move(object));
      }
    }
    return Status::Ok();
  }

  // Velero's additional items, which the label selector does not filter
  // (resource includes/excludes do): each backed-up pod's claims and
  // PriorityClass (its backup pod action), the PV bound to each backed-up
  // PVC, and the CRD of every backed-up custom resource type.
  Status AdditionalItems(const kube::Discovery& d) {
    if (spec_.cluster_wide) return Status::Ok();
    std::set<std::pair<std::string, std::string>> claims;  // (namespace, name)
    std::set<std::string> classes;
    for (const Item& i : out_.items) {
      if (i.group_resource != "pods") continue;
      PodReferences refs = ReferencesOfPod(i.object);
      for (const auto& claim : refs.claims) claims.emplace(i.ns, claim);
      if (!refs.priority_class.empty()) classes.insert(refs.priority_class);
    }
    const ResourceInfo* pvc_type = d.Find("", "v1", "persistentvolumeclaims");
    if (pvc_type && Wanted(*pvc_type)) {
      for (const auto& [ns, name] : claims) {
        if (seen_.count("persistentvolumeclaims/" + ns + "/" + name)) continue;
        auto got = client_.Get(*pvc_type, ns, name);
        if (Recorded(got.status(), ns, *pvc_type)) Add(*pvc_type, std::move(*got));
      }
    }
    const ResourceInfo* class_type = d.Find("scheduling.k8s.io", "v1", "priorityclasses");
    if (class_type && Wanted(*class_type)) {
      for (const auto& name : classes) {
        if (seen_.count(class_type->GroupResource() + "//" + name)) continue;
        auto got = client_.Get(*class_type, "", name);
        if (Recorded(got.status(), "", *class_type)) Add(*class_type, std::move(*got));
      }
    }
    std::set<std::string> pvs, crds;
    for (const Item& i : out_.items) {
      if (i.group_resource == "persistentvolumeclaims") {
        if (std::string pv = kube::StringAt(i.object, "/spec/volumeName"); !pv.empty()) pvs.insert(pv);
      }
      if (const ResourceInfo* r = d.Find(i.group, i.version, ResourceOf(i)); r && IsCustom(d, *r)) {
        crds.insert(r->GroupResource());
      }
    }
    const ResourceInfo* pv_type = d.Find("", "v1", "persistentvolumes");
    if (pv_type && !exclude_.count("persistentvolumes")) {
      for (const auto& name : pvs) {
        auto got = client_.Get(*pv_type, "", name);
        if (Recorded(got.status(), "", *pv_type)) Add(*pv_type, std::move(*got));
      }
    }
    const ResourceInfo* crd_type = d.Find("apiextensions.k8s.io", "v1", "customresourcedefinitions");
    if (crd_type && !exclude_.count(crd_type->GroupResource())) {
      for (const auto& name : crds) {
        auto got = client_.Get(*crd_type, "", name);
        if (Recorded(got.status(), "", *crd_type)) Add(*crd_type, std::move(*got));
      }
    }
    return Status::Ok();
  }

  static std::string ResourceOf(const Item& i) { return i.group_resource.substr(0, i.group_resource.find('.')); }

  // Built-in groups end in k8s.io or are one of the short core names; a CRD
  // defines everything else (Velero asks the CRD list; the name test avoids a
  // list call and is right for every group the API server itself serves).
  static bool IsCustom(const kube::Discovery&, const ResourceInfo& r) {
    static const std::set<std::string> kBuiltin = {"", "apps", "batch", "autoscaling", "policy"};
    if (kBuiltin.count(r.group)) return false;
    return r.group.size() < 7 || r.group.compare(r.group.size() - 7, 7, "k8s.io") != 0;
  }

  void Add(const ResourceInfo& r, kube::Json object) {
    if (Excluded(object)) return;
    Item i;
    i.group_resource = r.GroupResource();
    i.group = r.group;
    i.version = r.version;
    i.kind = r.kind;
    i.namespaced = r.namespaced;
    i.ns = r.namespaced ? kube::StringAt(object, "/metadata/namespace") : "";
    i.name = kube::StringAt(object, "/metadata/name");
    if (i.name.empty()) return;
    std::string key = i.group_resource + "/" + i.ns + "/" + i.name;
    if (!seen_.insert(key).second) return;  // an additional item already backed up
    object["kind"] = r.kind;
    object["apiVersion"] = i.ApiVersion();
    i.object = std::move(object);
    out_.items.push_back(std::move(i));
  }

  // An error on one list is recorded (Velero: the backup ends PartiallyFailed); true when the answer is usable.
  bool Recorded(const Status& s, const std::string& ns, const ResourceInfo& r) {
    if (s.ok()) return true;
    if (s.code() == Code::kNotFound && r.GroupResource() != "namespaces") return false;  // gone meanwhile
    RecordError(ns, "error listing " + r.GroupResource() + (ns.empty() ? "" : " in namespace " + ns) + ": " + s.message());
    if (required_.count(r.GroupResource()) && required_failure_.ok()) {
      required_failure_ = Status(s.code(), "required resource " + r.GroupResource() + " could not be listed" +
                                               (ns.empty() ? "" : " in namespace " + ns) + ": " + s.message());
    }
    return false;
  }

  // Velero's error list (cluster or per namespace) and its log: the backup becomes PartiallyFailed.
  void RecordError(const std::string& ns, const std::string& line) {
    if (ns.empty()) out_.meta.errors.cluster.push_back(line);
    else out_.meta.errors.namespaces[ns].push_back(line);
    log_ += "level=error msg=\"" + line + "\"\n";
  }

  void Meta() {
    BackupMeta& m = out_.meta;
    m.name = spec_.backup_name;
    m.start_timestamp = Rfc3339(spec_.now);
    m.start_nanos = spec_.now_nanos;
    m.expiration = Rfc3339(spec_.now + 720 * 3600);
    m.included_namespaces = spec_.cluster_wide ? std::vector<std::string>{} : spec_.namespaces;
    m.included_resources = spec_.include;
    m.excluded_resources = spec_.exclude;
    m.label_selector = spec_.label_selector;
    if (auto v = client_.Version(); v.ok()) {
      m.cluster_git_version = v->git_version;
      m.cluster_major = v->major;
      m.cluster_minor = v->minor;
    }
    log_ += "level=info msg=\"Starting backup\" backup=" + m.name + "\n";
  }

  void Finish() {
    BackupMeta& m = out_.meta;
    m.completion_timestamp = Rfc3339(spec_.now);
    m.phase = m.errors.Count() > 0 ? "PartiallyFailed" : "Completed";
    log_ += "level=info msg=\"Backed up a total of " + std::to_string(out_.items.size()) + " items\" backup=" + m.name + "\n";
    m.log = std::move(log_);
  }

  kube::Client& client_;
  const CollectSpec& spec_;
  std::set<std::string> include_, exclude_, required_, seen_;
  std::vector<ClusterObjects> cluster_;  // spec_.cluster with each type as the cluster serves it
  Status required_failure_;  // the first failed list of a required resource
  ResourceBackup out_;
  std::string log_;
};

}  // namespace

std::vector<const kube::ResourceInfo*> BackupTypes(const kube::Discovery& discovery) {
  std::vector<const ResourceInfo*> out;
  for (const ResourceInfo* r : discovery.Preferred()) {
    if (r->resource.find('/') != std::string::npos || !Supports(*r)) continue;
    if (r->group == "snapshot.storage.k8s.io" &&
        (r->resource == "volumesnapshots" || r->resource == "volumesnapshotcontents")) {
      continue;  // CSI intermediates: Velero excludes them automatically
    }
    out.push_back(r);
  }
  return out;
}

Result<ResourceBackup> CollectBackup(kube::Client& client, const CollectSpec& spec) {
  return Collector(client, spec).Run();
}

std::string Rfc3339(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string VeleroTimeName(const std::string& prefix, int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char stamp[20];
  std::strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm);
  return prefix + "-" + stamp;
}

}  // namespace hort::resources
