#include "kube/memory_client.h"

#include <cstdio>
#include <ctime>

#include "kube/json_fields.h"
#include "kube/label_selector.h"

namespace hort::kube {
namespace {

ResourceInfo Builtin(std::string group, std::string resource, std::string kind, std::string singular, bool namespaced,
                     std::vector<std::string> short_names, std::vector<std::string> subresources) {
  ResourceInfo r;
  r.group = std::move(group);
  r.version = "v1";
  r.resource = std::move(resource);
  r.kind = std::move(kind);
  r.singular = std::move(singular);
  r.namespaced = namespaced;
  r.preferred = true;
  r.verbs = {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"};
  r.short_names = std::move(short_names);
  r.subresources = std::move(subresources);
  return r;
}

// `pods "web" not found`: the API names the resource with its group.
std::string Named(const ResourceInfo& r, const std::string& name) { return r.GroupResource() + " \"" + name + "\""; }

std::string Now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::map<std::string, std::string> Labels(const Json& object) {
  std::map<std::string, std::string> out;
  if (!object.contains("metadata") || !object["metadata"].contains("labels")) return out;
  for (const auto& [k, v] : object["metadata"]["labels"].items()) {
    if (v.is_string()) out[k] = v.get<std::string>();
  }
  return out;
}

std::string Meta(const Json& object, const char* key) {
  return StringAt(object, std::string("/metadata/") + key);
}

}  // namespace

Discovery BuiltinDiscovery() {
  Discovery d;
  d.resources = {
      Builtin("", "namespaces", "Namespace", "namespace", false, {"ns"}, {"finalize", "status"}),
      Builtin("", "nodes", "Node", "node", false, {"no"}, {"proxy", "status"}),
      Builtin("", "pods", "Pod", "pod", true, {"po"}, {"attach", "exec", "log", "portforward", "status"}),
      Builtin("", "persistentvolumeclaims", "PersistentVolumeClaim", "persistentvolumeclaim", true, {"pvc"}, {"status"}),
      Builtin("", "persistentvolumes", "PersistentVolume", "persistentvolume", false, {"pv"}, {"status"}),
      Builtin("", "configmaps", "ConfigMap", "configmap", true, {"cm"}, {}),
      Builtin("", "secrets", "Secret", "secret", true, {}, {}),
      Builtin("", "services", "Service", "service", true, {"svc"}, {"proxy", "status"}),
      Builtin("apps", "deployments", "Deployment", "deployment", true, {"deploy"}, {"scale", "status"}),
      Builtin("storage.k8s.io", "storageclasses", "StorageClass", "storageclass", false, {"sc"}, {}),
  };
  d.resources[2].categories = d.resources[7].categories = d.resources[8].categories = {"all"};
  return d;
}

MemoryClient::MemoryClient(Discovery discovery, ExecHandler exec)
    : discovery_(std::move(discovery)), exec_(std::move(exec)) {}

void MemoryClient::SetVersion(VersionInfo version) {
  std::lock_guard lock(mu_);
  version_ = std::move(version);
}

void MemoryClient::SetDiscovery(Discovery discovery) {
  std::lock_guard lock(mu_);
  discovery_ = std::move(discovery);
}

Result<VersionInfo> MemoryClient::Version() {
  std::lock_guard lock(mu_);
  return version_;
}

Result<Discovery> MemoryClient::Discover(bool) {
  std::lock_guard lock(mu_);
  return discovery_;
}

std::string MemoryClient::NextVersion() { return std::to_string(++resource_version_); }

std::string MemoryClient::Effective(const ResourceInfo& r, const std::string& ns, const Json& object) const {
  if (!r.namespaced) return "";
  if (!ns.empty()) return ns;
  std::string own = Meta(object, "namespace");
  return own.empty() ? DefaultNamespace() : own;
}

// The API's NamespaceLifecycle admission: no objects in a namespace that does not exist.
Status MemoryClient::CheckNamespace(const ResourceInfo& r, const std::string& ns) const {
  if (!r.namespaced || objects_.count({"namespaces", "", ns})) return Status::Ok();
  return Status(Code::kNotFound, "namespaces \"" + ns + "\" not found");
}

Result<Json> MemoryClient::Get(const ResourceInfo& r, const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = objects_.find({r.GroupResource(), r.namespaced ? (ns.empty() ? DefaultNamespace() : ns) : "", name});
  if (it == objects_.end()) return Status(Code::kNotFound, Named(r, name) + " not found");
  return it->second;
}

Result<ObjectList> MemoryClient::List(const ResourceInfo& r, const std::string& ns, const ListOptions& options) {
  HORT_ASSIGN_OR_RETURN(LabelSelector selector, LabelSelector::Parse(options.label_selector));
  // Field selectors: the two every resource supports.
  std::string field_name, field_ns;
  for (size_t a = 0; a < options.field_selector.size();) {
    size_t b = options.field_selector.find(',', a);
    std::string part = options.field_selector.substr(a, b == std::string::npos ? std::string::npos : b - a);
    a = b == std::string::npos ? options.field_selector.size() : b + 1;
    auto eq = part.find('=');
    std::string key = part.substr(0, eq), value = eq == std::string::npos ? "" : part.substr(part.find_first_not_of('=', eq));
    if (key == "metadata.name") field_name = value;
    else if (key == "metadata.namespace") field_ns = value;
    else return Status(Code::kInvalidArgument, "field label not supported: " + key);
  }
  std::lock_guard lock(mu_);
  ObjectList out;
  out.resource_version = std::to_string(resource_version_);
  for (const auto& [key, object] : objects_) {
    const auto& [gr, object_ns, name] = key;
    if (gr != r.GroupResource() || (r.namespaced && !ns.empty() && object_ns != ns)) continue;
    if ((!field_name.empty() && name != field_name) || (!field_ns.empty() && object_ns != field_ns)) continue;
    if (selector.Matches(Labels(object))) out.items.push_back(object);
  }
  return out;
}

Result<Json> MemoryClient::Create(const ResourceInfo& r, const std::string& ns, const Json& object,
                                  const WriteOptions& options) {
  if (!object.is_object()) return Status(Code::kInvalidArgument, "the object to create is not a JSON object");
  std::lock_guard lock(mu_);
  Json o = object;
  const std::string effective_ns = Effective(r, ns, object);
  if (r.namespaced && !Meta(object, "namespace").empty() && Meta(object, "namespace") != effective_ns) {
    return Status(Code::kInvalidArgument, "the namespace of the provided object does not match the namespace sent on the request");
  }
  std::string name = Meta(o, "name");
  if (name.empty() && !Meta(o, "generateName").empty()) {
    name = Meta(o, "generateName") + std::to_string(10000 + uid_counter_ % 90000);
  }
  if (name.empty()) return Status(Code::kInvalidArgument, r.kind + " \"\" is invalid: metadata.name: Required value: name or generateName is required");
  HORT_RETURN_IF_ERROR(CheckNamespace(r, effective_ns));
  const Key key{r.GroupResource(), effective_ns, name};
  if (objects_.count(key)) return Status(Code::kAlreadyExists, Named(r, name) + " already exists");
  if (!options.dry_run && !Meta(o, "resourceVersion").empty()) {
    return Status(Code::kUnavailable, "resourceVersion should not be set on objects to be created");
  }
  o["kind"] = r.kind;
  o["apiVersion"] = r.GroupVersion();
  auto& md = o["metadata"];
  md["name"] = name;
  if (r.namespaced) md["namespace"] = effective_ns; else md.erase("namespace");
  char uid[64];
  std::snprintf(uid, sizeof(uid), "00000000-0000-4000-8000-%012lld", static_cast<long long>(++uid_counter_));
  md["uid"] = uid;
  md["creationTimestamp"] = Now();
  if (options.dry_run) return o;  // checked like a real write, stored nowhere, no resourceVersion
  md["resourceVersion"] = NextVersion();
  objects_[key] = o;
  return o;
}

Result<Json> MemoryClient::Replace(const ResourceInfo& r, const std::string& ns, const Json& object,
                                   const WriteOptions& options) {
  std::lock_guard lock(mu_);
  const std::string name = Meta(object, "name");
  auto it = objects_.find({r.GroupResource(), Effective(r, ns, object), name});
  if (it == objects_.end()) return Status(Code::kNotFound, Named(r, name) + " not found");
  const std::string rv = Meta(object, "resourceVersion");
  if (!rv.empty() && rv != Meta(it->second, "resourceVersion")) {
    return Status(Code::kAlreadyExists, "Operation cannot be fulfilled on " + Named(r, name) +
                                            ": the object has been modified; please apply your changes to the latest "
                                            "version and try again");
  }
  Json o = object;
  o["kind"] = r.kind;
  o["apiVersion"] = r.GroupVersion();
  for (const char* kept : {"uid", "creationTimestamp", "namespace"}) {
    if (it->second["metadata"].contains(kept)) o["metadata"][kept] = it->second["metadata"][kept];
  }
  if (r.HasSubresource("status")) {  // the main resource does not write status
    if (it->second.contains("status")) o["status"] = it->second["status"]; else o.erase("status");
  }
  if (options.dry_run) return o;
  o["metadata"]["resourceVersion"] = NextVersion();
  it->second = o;
  return o;
}

Result<Json> MemoryClient::MergePatch(const ResourceInfo& r, const std::string& ns, const std::string& name,
                                      const Json& patch, const WriteOptions& options, const std::string& subresource) {
  std::lock_guard lock(mu_);
  auto it = objects_.find({r.GroupResource(), r.namespaced ? (ns.empty() ? DefaultNamespace() : ns) : "", name});
  if (it == objects_.end()) return Status(Code::kNotFound, Named(r, name) + " not found");
  if (!subresource.empty() && !r.HasSubresource(subresource)) {
    return Status(Code::kNotFound, "the server could not find the requested resource");
  }
  Json o = it->second;
  if (subresource == "status") {
    if (patch.contains("status")) {
      Json status = o.contains("status") ? o["status"] : Json::object();
      status.merge_patch(patch["status"]);
      o["status"] = status;
    }
  } else {
    Json old_status = o.contains("status") ? o["status"] : Json();
    o.merge_patch(patch);
    if (r.HasSubresource("status")) {
      if (old_status.is_null()) o.erase("status"); else o["status"] = old_status;
    }
  }
  for (const char* kept : {"name", "namespace", "uid", "creationTimestamp"}) {
    if (it->second["metadata"].contains(kept)) o["metadata"][kept] = it->second["metadata"][kept];
  }
  if (options.dry_run) return o;
  o["metadata"]["resourceVersion"] = NextVersion();
  it->second = o;
  return o;
}

Result<Json> MemoryClient::Apply(const ResourceInfo& r, const std::string& ns, const Json& object,
                                 const WriteOptions& options) {
  const std::string name = Meta(object, "name");
  auto existing = Get(r, Effective(r, ns, object), name);
  if (existing.status().code() == Code::kNotFound) return Create(r, ns, object, options);
  if (!existing.ok()) return existing.status();
  Json patch = object;
  patch["metadata"].erase("resourceVersion");
  return MergePatch(r, Effective(r, ns, object), name, patch, options);
}

Status MemoryClient::Delete(const ResourceInfo& r, const std::string& ns, const std::string& name, Propagation) {
  std::lock_guard lock(mu_);
  const std::string effective_ns = r.namespaced ? (ns.empty() ? DefaultNamespace() : ns) : "";
  if (!objects_.erase({r.GroupResource(), effective_ns, name})) {
    return Status(Code::kNotFound, Named(r, name) + " not found");
  }
  if (r.GroupResource() == "namespaces") {  // what the namespace controller does, at once
    std::erase_if(objects_, [&](const auto& entry) { return std::get<1>(entry.first) == name; });
  }
  return Status::Ok();
}

Result<ExecResult> MemoryClient::Exec(const ExecRequest& request, const OutputSink& stdout_sink) {
  if (!exec_) return Status(Code::kUnsupported, "exec: the in-memory cluster has no exec handler");
  return exec_(request, stdout_sink);
}

}  // namespace hort::kube
