#include "resources/restore_actions.h"

#include <vector>

#include "kube/json_fields.h"

namespace hort::resources {
namespace {

using kube::StringAt;

// The member `key` of `j` when both are objects, else null: backed-up JSON is
// untrusted, and nlohmann's operator[] on a non-object throws.
Json* Member(Json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

Json* Path(Json& j, std::initializer_list<const char*> keys) {
  Json* at = &j;
  for (const char* key : keys) {
    if (!(at = Member(*at, key))) return nullptr;
  }
  return at;
}

void Erase(Json* object, const char* key) {
  if (object && object->is_object()) object->erase(key);
}

// metadata.labels as a writable object, created when missing.
Json& LabelsOf(Json& object) {
  Json& md = object["metadata"];
  if (!md.is_object()) md = Json::object();
  Json& labels = md["labels"];
  if (!labels.is_object()) labels = Json::object();
  return labels;
}

bool StartsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// Drops the entries of parent[key], an array of objects, whose "name" starts
// with `prefix`. An emptied list goes: Go's omitempty drops it from Velero's
// output and the API never returns it, so [] would make the compare differ.
void DropNamed(Json* parent, const char* key, const std::string& prefix) {
  Json* list = parent ? Member(*parent, key) : nullptr;
  if (!list || !list->is_array()) return;
  Json kept = Json::array();
  for (auto& entry : *list) {
    if (!StartsWith(StringAt(entry, "/name"), prefix)) kept.push_back(std::move(entry));
  }
  if (kept.empty()) parent->erase(key); else *list = std::move(kept);
}

// Which nodePorts the user chose (kept) and which the API allocated (dropped),
// as Velero's service action decides: the last-applied-configuration when
// there is one (named ports by name, unnamed ones by nodePort value), else
// the managedFields keys of ports that own f:nodePort.
bool NodePortIsExplicit(const Json& service, const Json& port) {
  std::string applied = StringAt(service, "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration");
  if (!applied.empty()) {
    Json last = Json::parse(applied, nullptr, false);
    for (const auto& p : kube::ArrayAt(last, "/spec/ports")) {
      if (kube::IntAt(p, "/nodePort") <= 0) continue;
      if (p.is_object() && p.contains("name")) {
        if (StringAt(p, "/name") == StringAt(port, "/name") && !StringAt(port, "/name").empty()) return true;
      } else if (StringAt(port, "/name").empty() && kube::IntAt(p, "/nodePort") == kube::IntAt(port, "/nodePort")) {
        return true;
      }
    }
    return false;
  }
  const std::string key = "k:{\"port\":" + std::to_string(kube::IntAt(port, "/port")) + ",\"protocol\":\"" +
                          StringAt(port, "/protocol") + "\"}";
  for (const auto& entry : kube::ArrayAt(service, "/metadata/managedFields")) {
    const Json& ports = kube::ObjectAt(entry, "/fieldsV1/f:spec/f:ports");
    auto it = ports.find(key);
    if (it != ports.end() && it->is_object() && it->contains("f:nodePort")) return true;
  }
  return false;
}

bool HealthCheckNodePortIsExplicit(const Json& service) {
  std::string applied = StringAt(service, "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration");
  if (!applied.empty() && kube::IntAt(Json::parse(applied, nullptr, false), "/spec/healthCheckNodePort") != 0) {
    return true;
  }
  for (const auto& entry : kube::ArrayAt(service, "/metadata/managedFields")) {
    if (kube::ObjectAt(entry, "/fieldsV1/f:spec").contains("f:healthCheckNodePort")) return true;
  }
  return false;
}

// Annotations the binder and the provisioner write on a claim and its PV:
// left out of a restored object, kept from a live one (KeepClusterAssigned).
constexpr const char* kBindAnnotations[] = {"pv.kubernetes.io/bind-completed", "pv.kubernetes.io/bound-by-controller"};
constexpr const char* kProvisionerAnnotations[] = {"volume.kubernetes.io/storage-provisioner",
                                                   "volume.beta.kubernetes.io/storage-provisioner"};
constexpr const char* kSelectedNode = "volume.kubernetes.io/selected-node";

// The JSON pointer of annotation `key` ("/" escaped as "~1").
std::string AnnotationPointer(const std::string& key) {
  std::string out = "/metadata/annotations/";
  for (char c : key) out += c == '/' ? std::string("~1") : std::string(1, c);
  return out;
}

}  // namespace

void ResetMetadataAndStatus(Json& object) {
  if (!object.is_object()) return;
  if (Json* md = Member(object, "metadata")) {
    for (const char* key : {"generateName", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
                            "deletionTimestamp", "deletionGracePeriodSeconds", "ownerReferences"}) {
      Erase(md, key);
    }
  }
  object.erase("status");
}

void AddRestoreLabels(Json& object, const std::string& backup_name, const std::string& restore_name) {
  if (!object.is_object()) return;
  Json& labels = LabelsOf(object);
  labels[kBackupNameLabel] = ValidLabelValue(backup_name);
  labels[kRestoreNameLabel] = ValidLabelValue(restore_name);
}

void PodAction(Json& pod) {
  Json* spec = Member(pod, "spec");
  if (!spec) return;
  Erase(spec, "nodeName");
  Erase(spec, "priority");
  // The token volume of the old ServiceAccount secret; the new cluster mounts its own.
  const std::string prefix = StringAt(*spec, "/serviceAccountName") + "-token-";
  DropNamed(spec, "volumes", prefix);
  for (const char* list : {"containers", "initContainers"}) {
    Json* containers = Member(*spec, list);
    if (!containers || !containers->is_array()) continue;
    for (auto& container : *containers) DropNamed(&container, "volumeMounts", prefix);
  }
}

void ServiceAction(Json& service) {
  Json* spec = Member(service, "spec");
  if (!spec) return;
  if (StringAt(*spec, "/clusterIP") != "None") {  // headless stays headless
    Erase(spec, "clusterIP");
    Erase(spec, "clusterIPs");
  }
  if (StringAt(*spec, "/type") == "ExternalName") return;
  if (Json* ports = Member(*spec, "ports"); ports && ports->is_array()) {
    for (auto& port : *ports) {
      if (!NodePortIsExplicit(service, port)) Erase(&port, "nodePort");
    }
  }
  // Only a LoadBalancer with the Local policy has a health-check port to lose.
  if (StringAt(*spec, "/type") == "LoadBalancer" && StringAt(*spec, "/externalTrafficPolicy") == "Local" &&
      !HealthCheckNodePortIsExplicit(service)) {
    Erase(spec, "healthCheckNodePort");
  }
}

void JobAction(Json& job) {
  for (Json* labels : {Path(job, {"spec", "selector", "matchLabels"}),
                       Path(job, {"spec", "template", "metadata", "labels"})}) {
    Erase(labels, "controller-uid");
    Erase(labels, "batch.kubernetes.io/controller-uid");
  }
}

void PersistentVolumeClaimAction(Json& pvc, const ActionContext& context) {
  Json* annotations = Path(pvc, {"metadata", "annotations"});
  for (const char* key : kBindAnnotations) Erase(annotations, key);
  for (const char* key : kProvisionerAnnotations) Erase(annotations, key);
  for (const char* key : {"velero.io/volume-snapshot-name", "velero.io/data-upload-name"}) Erase(annotations, key);
  // A WaitForFirstConsumer claim pinned to a node the cluster no longer has
  // would never bind; one that still exists keeps the pin (Velero's pvc_action).
  const std::string node = StringAt(pvc, AnnotationPointer(kSelectedNode));
  if (!node.empty() && !(context.node_exists && context.node_exists(node))) Erase(annotations, kSelectedNode);
  // A claim bound to a PV that is re-provisioned must bind anew.
  std::string volume = StringAt(pvc, "/spec/volumeName");
  if (!volume.empty() && context.pvs_to_provision.count(volume)) Erase(Member(pvc, "spec"), "volumeName");
}

std::string PersistentVolumeAction(Json& pv, const ActionContext& context) {
  // Without a snapshot Velero does not create a PV whose reclaim policy is
  // Delete: its data went with it, so the claim provisions a new one.
  if (StringAt(pv, "/spec/persistentVolumeReclaimPolicy") == "Delete") {
    return "reclaim policy Delete: re-provisioned through its claim";
  }
  if (auto kept = context.pvs_kept.find(StringAt(pv, "/metadata/name")); kept != context.pvs_kept.end()) {
    return kept->second;
  }
  Json* annotations = Path(pv, {"metadata", "annotations"});
  for (const char* key : kBindAnnotations) Erase(annotations, key);
  if (Json* claim = Path(pv, {"spec", "claimRef"}); claim && claim->is_object()) {
    claim->erase("uid");  // the old claim's; the binder matches the new claim by name
    claim->erase("resourceVersion");
    std::string ns = StringAt(*claim, "/namespace");
    if (!ns.empty() && context.options) (*claim)["namespace"] = context.options->MapNamespace(ns);
  }
  return "";
}

void ServiceAccountAction(Json& service_account) {
  Json* secrets = Member(service_account, "secrets");
  if (!secrets || !secrets->is_array()) return;
  const std::string prefix = StringAt(service_account, "/metadata/name") + "-token-";
  for (auto it = secrets->begin(); it != secrets->end(); ++it) {
    if (StartsWith(StringAt(*it, "/name"), prefix)) {  // only the first, as Velero does
      secrets->erase(it);
      break;
    }
  }
  if (secrets->empty()) service_account.erase("secrets");  // omitempty, as in DropNamed
}

std::string SecretAction(Json& secret, const std::string& source_ns, const ActionContext& context) {
  if (StringAt(secret, "/type") != "kubernetes.io/service-account-token") return "";
  const std::string target_ns = context.options ? context.options->MapNamespace(source_ns) : source_ns;
  // Velero skips it when any ServiceAccount of the namespace is a prefix
  // "<sa>-token-" of its name: the token controller makes its own (before
  // 1.22), and the copy would be deleted under the restore.
  const std::string name = StringAt(secret, "/metadata/name");
  for (size_t at = name.find("-token-"); at != std::string::npos; at = name.find("-token-", at + 1)) {
    const std::string sa = name.substr(0, at);
    if (!sa.empty() && context.service_account_exists && context.service_account_exists(target_ns, sa)) {
      return "token secret of existing ServiceAccount \"" + sa + "\" is generated by the cluster";
    }
  }
  Erase(Path(secret, {"metadata", "annotations"}), "kubernetes.io/service-account.uid");
  Json* data = Member(secret, "data");
  Erase(data, "token");
  Erase(data, "ca.crt");
  return "";
}

void BindingAction(Json& binding, const RestoreOptions& options) {
  Json* subjects = Member(binding, "subjects");
  if (!subjects || !subjects->is_array()) return;
  for (auto& subject : *subjects) {
    std::string ns = StringAt(subject, "/namespace");
    if (!ns.empty()) subject["namespace"] = options.MapNamespace(ns);
  }
}

void WebhookConfigurationAction(Json& configuration) {
  if (StringAt(configuration, "/apiVersion") != "admissionregistration.k8s.io/v1") return;
  Json* hooks = Member(configuration, "webhooks");
  if (!hooks || !hooks->is_array()) return;
  for (auto& hook : *hooks) {
    std::string effects = StringAt(hook, "/sideEffects");
    // v1 accepts only None and NoneOnDryRun (v1beta1's Some/Unknown are gone).
    if (hook.is_object() && effects != "None" && effects != "NoneOnDryRun") hook["sideEffects"] = "None";
  }
}

void CustomResourceDefinitionAction(Json& crd) {
  if (StringAt(crd, "/apiVersion") != "apiextensions.k8s.io/v1" || !kube::BoolAt(crd, "/spec/preserveUnknownFields")) {
    return;
  }
  // A CRD converted from v1beta1 keeps the old pruning switch, which v1
  // rejects; the schema-level flag says the same thing.
  crd["spec"]["preserveUnknownFields"] = false;
  Json* versions = Path(crd, {"spec", "versions"});
  if (!versions || !versions->is_array()) return;
  for (auto& version : *versions) {
    if (Json* schema = Path(version, {"schema", "openAPIV3Schema"}); schema && schema->is_object()) {
      (*schema)["x-kubernetes-preserve-unknown-fields"] = true;
    }
  }
}

void KeepClusterAssigned(const std::string& group_resource, const Json& live, Json& desired) {
  auto keep = [&](const std::string& pointer) {
    const Json::json_pointer at(pointer);
    if (desired.contains(at) || !live.contains(at)) return;
    // Only into objects: a backup's `"annotations": "x"` is no place to write
    // into (nlohmann throws), and the server refuses such an object anyway.
    for (Json::json_pointer up = at.parent_pointer(); !up.empty(); up = up.parent_pointer()) {
      if (desired.contains(up) && !desired.at(up).is_object()) return;
    }
    if (!desired.is_object()) return;
    desired[at] = live.at(at);
  };
  if (group_resource == "pods") {
    for (const char* p : {"/spec/nodeName", "/spec/priority"}) keep(p);
  } else if (group_resource == "services") {
    for (const char* p : {"/spec/clusterIP", "/spec/clusterIPs"}) keep(p);
    // Node ports only between Services of one type, each port matched by
    // name (else port and protocol), never by its place in the list.
    if (StringAt(desired, "/spec/type") != StringAt(live, "/spec/type")) return;
    keep("/spec/healthCheckNodePort");
    const Json* live_ports = kube::FieldAt(live, "/spec/ports");
    Json* ports = Path(desired, {"spec", "ports"});
    if (!live_ports || !live_ports->is_array() || !ports || !ports->is_array()) return;
    // Read through FieldAt/StringAt: a backup's `"ports": ["x"]` or
    // `"port": "80"` must not throw (value<T>() does on a wrong type).
    for (Json& port : *ports) {
      if (!port.is_object() || port.contains("nodePort")) continue;
      for (const Json& l : *live_ports) {
        if (!l.is_object()) continue;
        const Json* live_number = kube::FieldAt(l, "/port");
        const Json* number = kube::FieldAt(port, "/port");
        const bool same = port.contains("name")
                              ? StringAt(l, "/name") == StringAt(port, "/name")
                              : live_number && number && *live_number == *number &&
                                    StringAt(l, "/protocol", "TCP") == StringAt(port, "/protocol", "TCP");
        if (same && l.contains("nodePort")) port["nodePort"] = l["nodePort"];
        if (same) break;
      }
    }
  } else if (group_resource == "persistentvolumeclaims") {
    keep("/spec/volumeName");
    for (const char* key : kBindAnnotations) keep(AnnotationPointer(key));
    for (const char* key : kProvisionerAnnotations) keep(AnnotationPointer(key));
    keep(AnnotationPointer(kSelectedNode));
  } else if (group_resource == "persistentvolumes") {
    for (const char* key : kBindAnnotations) keep(AnnotationPointer(key));
    // The claim's uid only for the claim the backup names too.
    if (StringAt(desired, "/spec/claimRef/namespace") == StringAt(live, "/spec/claimRef/namespace") &&
        StringAt(desired, "/spec/claimRef/name") == StringAt(live, "/spec/claimRef/name") &&
        kube::FieldAt(desired, "/spec/claimRef")) {
      for (const char* p : {"/spec/claimRef/uid", "/spec/claimRef/resourceVersion"}) keep(p);
    }
  }
}

Json MergeServiceAccount(const Json& live, const Json& backup) {
  Json merged = live;
  if (!merged.is_object()) return merged;
  for (const char* list : {"secrets", "imagePullSecrets"}) {
    const Json& extra = kube::ArrayAt(backup, std::string("/") + list);
    if (extra.empty()) continue;
    Json out = kube::ArrayAt(live, std::string("/") + list);
    for (const auto& ref : extra) {
      bool present = false;
      for (const auto& have : out) present = present || StringAt(have, "/name") == StringAt(ref, "/name");
      if (!present) out.push_back(ref);
    }
    merged[list] = std::move(out);
  }
  for (const char* map : {"labels", "annotations"}) {
    const Json& extra = kube::ObjectAt(backup, std::string("/metadata/") + map);
    if (extra.empty()) continue;
    Json out = kube::ObjectAt(live, std::string("/metadata/") + map);
    for (const auto& [key, value] : extra.items()) {
      if (!out.contains(key)) out[key] = value;
    }
    if (!merged["metadata"].is_object()) merged["metadata"] = Json::object();
    merged["metadata"][map] = std::move(out);
  }
  return merged;
}

Json NamespaceForRestore(const Json* backed_up, const std::string& name) {
  Json ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
  if (!backed_up) return ns;
  for (const char* key : {"labels", "annotations"}) {
    const Json& value = kube::ObjectAt(*backed_up, std::string("/metadata/") + key);
    if (!value.empty()) ns["metadata"][key] = value;
  }
  // The old name's kubernetes.io/metadata.name would contradict a mapped name; the API sets it.
  if (ns["metadata"].contains("labels")) ns["metadata"]["labels"].erase("kubernetes.io/metadata.name");
  if (const Json& spec = kube::ObjectAt(*backed_up, "/spec"); !spec.empty()) ns["spec"] = spec;
  return ns;
}

PreparedObject PrepareObject(const Item& item, const kube::ResourceInfo& target, const ActionContext& context) {
  static const RestoreOptions kNoOptions;
  const RestoreOptions& options = context.options ? *context.options : kNoOptions;
  PreparedObject out;
  if (item.group_resource == "apiservices.apiregistration.k8s.io") {
    out.skip_reason = "APIServices are managed by Kubernetes";
    return out;
  }
  if (!item.object.is_object()) {
    out.skip_reason = "the backed-up object is not a JSON object";
    return out;
  }
  Json object = item.object;
  ResetMetadataAndStatus(object);
  const std::string& gr = item.group_resource;
  if (gr == "pods") PodAction(object);
  else if (gr == "services") ServiceAction(object);
  else if (gr == "jobs.batch") JobAction(object);
  else if (gr == "persistentvolumeclaims") PersistentVolumeClaimAction(object, context);
  else if (gr == "persistentvolumes") out.skip_reason = PersistentVolumeAction(object, context);
  else if (gr == "serviceaccounts") ServiceAccountAction(object);
  else if (gr == "secrets") out.skip_reason = SecretAction(object, item.ns, context);
  else if (gr == "rolebindings.rbac.authorization.k8s.io" || gr == "clusterrolebindings.rbac.authorization.k8s.io") {
    BindingAction(object, options);
  } else if (gr == "mutatingwebhookconfigurations.admissionregistration.k8s.io" ||
             gr == "validatingwebhookconfigurations.admissionregistration.k8s.io") {
    WebhookConfigurationAction(object);
  } else if (gr == "customresourcedefinitions.apiextensions.k8s.io") {
    CustomResourceDefinitionAction(object);
  }
  if (!out.skip_reason.empty()) return out;
  // The target's version when the backup's is no longer served (see ResolveTarget).
  object["apiVersion"] = target.GroupVersion();
  object["kind"] = target.kind.empty() ? item.kind : target.kind;
  Json& md = object["metadata"];
  if (!md.is_object()) md = Json::object();
  if (target.namespaced) md["namespace"] = options.MapNamespace(item.ns); else md.erase("namespace");
  if (gr == "namespaces") md["name"] = options.MapNamespace(item.name);
  AddRestoreLabels(object, context.backup_name, context.restore_name);
  out.object = std::move(object);
  return out;
}

}  // namespace hort::resources
