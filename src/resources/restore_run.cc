#include "resources/restore_run.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <thread>
#include <tuple>

#include "kube/json_fields.h"
#include "kube/object_names.h"
#include "kube/wait.h"
#include "resources/rbac_objects.h"
#include "resources/restore_actions.h"
#include "resources/restore_existing.h"
#include "resources/restore_plan.h"

namespace hort::resources {
namespace {

using kube::StringAt;
using Key = std::tuple<std::string, std::string, std::string>;  // group/resource, namespace, name

constexpr const char* kCrds = "customresourcedefinitions.apiextensions.k8s.io";

class Restore {
 public:
  Restore(kube::Client& client, const ResourceBackup& backup, const RestoreOptions& options)
      : client_(client), backup_(backup), options_(options) {}

  Result<RestoreReport> Run() {
    HORT_ASSIGN_OR_RETURN(discovery_, client_.Discover());
    HORT_ASSIGN_OR_RETURN(RestorePlan plan, PlanRestore(backup_, discovery_, options_));
    report_.dry_run = options_.dry_run;
    report_.backup_name = options_.backup_name.empty() ? backup_.meta.name : options_.backup_name;
    report_.restore_name = options_.restore_name.empty() ? report_.backup_name : options_.restore_name;
    PrepareContext(plan);
    for (const auto& s : plan.skipped) {  // under the namespace the restore writes to, as every other row
      Record({s.group_resource, s.ns.empty() ? "" : options_.MapNamespace(s.ns), s.name,
              s.error ? RestoreAction::kFailed : RestoreAction::kSkipped, s.reason});
    }
    for (size_t i = 0; i < plan.items.size(); ++i) {
      if (options_.stop && options_.stop->load()) {
        report_.errors.push_back("stopped: " + std::to_string(plan.items.size() - i) + " objects not restored");
        break;
      }
      const PlannedItem& p = plan.items[i];
      if (p.item->group_resource == "namespaces") RestoreNamespace(*p.item);
      else RestoreItem(p);
      // Velero restores every CRD first and re-reads discovery before the rest.
      bool last_crd = p.item->group_resource == kCrds &&
                      (i + 1 == plan.items.size() || plan.items[i + 1].item->group_resource != kCrds);
      if (last_crd && !options_.dry_run && !created_crds_.empty()) WaitForCrds();
    }
    return std::move(report_);
  }

 private:
  void PrepareContext(const RestorePlan& plan) {
    context_.options = &options_;
    context_.backup_name = report_.backup_name;
    context_.restore_name = report_.restore_name;
    for (const auto& item : backup_.items) {
      if (item.group_resource != "persistentvolumes") continue;
      if (StringAt(item.object, "/spec/persistentVolumeReclaimPolicy") == "Delete") {
        context_.pvs_to_provision.insert(item.name);
        continue;
      }
      KeepMappedPvThatExists(item);
      WarnReleasedPv(item, plan);
    }
    context_.service_account_exists = [this](const std::string& ns, const std::string& name) {
      if (pretended_.count({"serviceaccounts", ns, name})) return true;
      const kube::ResourceInfo* r = discovery_.Find("", "v1", "serviceaccounts");
      return r && client_.Get(*r, ns, name).ok();
    };
    context_.node_exists = [this](const std::string& name) { return NodeExists(name); };
  }

  // Under a mapping the claim moves to another namespace, but a PV that
  // still exists is bound to (or reserved for) the unmapped claim; Velero
  // would leave the mapped claim pointing at it, Pending forever, and a clone
  // under a new name would share the original's storage. hort leaves the PV
  // to the original and lets the mapped claim provision a volume of its own.
  void KeepMappedPvThatExists(const Item& pv) {
    const std::string claim_ns = StringAt(pv.object, "/spec/claimRef/namespace");
    const std::string claim = StringAt(pv.object, "/spec/claimRef/name");
    const std::string target_ns = options_.MapNamespace(claim_ns);
    if (claim_ns.empty() || target_ns == claim_ns) return;
    const kube::ResourceInfo* r = discovery_.Find("", "v1", "persistentvolumes");
    if (!r) return;
    auto live = client_.Get(*r, "", pv.name);
    if (!live.ok() && live.status().code() == Code::kNotFound) return;  // gone: restored, its claimRef mapped
    // Exists, or cannot be told (403, timeout): never taken from whoever may hold it.
    std::string then = "the claim in " + target_ns + " provisions a new volume";
    for (const Item& i : backup_.items) {
      if (i.group_resource == "persistentvolumeclaims" && i.ns == claim_ns && i.name == claim &&
          StringAt(i.object, "/spec/storageClassName") == "" && kube::FieldAt(i.object, "/spec/storageClassName")) {
        then = "the claim in " + target_ns + " stays Pending (storageClassName \"\": nothing provisions for it)";
      }
    }
    context_.pvs_to_provision.insert(pv.name);
    context_.pvs_kept[pv.name] = live.ok() ? "exists for " + claim_ns + "/" + claim + ": " + then
                                           : "could not be read (" + live.status().message() + "), left alone: " + then;
  }

  // A Retain PV whose claim was deleted is Released and keeps the deleted
  // claim's uid in its claimRef: the restored claim of the same name never
  // binds it (Velero leaves it so too). Said, not patched: the PV is the
  // cluster's, and clearing the uid hands its data to whichever claim asks.
  void WarnReleasedPv(const Item& pv, const RestorePlan& plan) {
    const std::string claim_ns = StringAt(pv.object, "/spec/claimRef/namespace");
    const std::string claim = StringAt(pv.object, "/spec/claimRef/name");
    if (claim_ns.empty() || options_.MapNamespace(claim_ns) != claim_ns) return;  // mapped: KeepMappedPvThatExists
    // Only when this restore creates the claim: filtered out, or still there, it binds nothing new.
    const bool restores_claim = std::any_of(plan.items.begin(), plan.items.end(), [&](const auto& p) {
      return p.item->group_resource == "persistentvolumeclaims" && p.item->ns == claim_ns && p.item->name == claim;
    });
    const kube::ResourceInfo* claims = discovery_.Find("", "v1", "persistentvolumeclaims");
    if (!restores_claim || !claims || client_.Get(*claims, claim_ns, claim).ok()) return;
    const kube::ResourceInfo* r = discovery_.Find("", "v1", "persistentvolumes");
    if (!r) return;
    auto live = client_.Get(*r, "", pv.name);
    if (!live.ok() || StringAt(*live, "/status/phase") != "Released") return;
    const std::string uid = StringAt(*live, "/spec/claimRef/uid");
    if (uid.empty() || StringAt(*live, "/spec/claimRef/namespace") != claim_ns ||
        StringAt(*live, "/spec/claimRef/name") != claim) {
      return;
    }
    report_.warnings.push_back("persistentvolume " + pv.name + " is Released and still reserved for the deleted claim " +
                               claim_ns + "/" + claim + " (uid " + uid + "): the restored claim stays Pending until that "
                               "uid is removed: kubectl patch pv " + pv.name +
                               " --type json -p '[{\"op\":\"remove\",\"path\":\"/spec/claimRef/uid\"}]'");
  }

  // One GET per node name: every claim of a StatefulSet may name the same node.
  bool NodeExists(const std::string& name) {
    auto [it, fresh] = nodes_.try_emplace(name, false);
    if (fresh) {
      const kube::ResourceInfo* r = discovery_.Find("", "v1", "nodes");
      it->second = r && client_.Get(*r, "", name).ok();
    }
    return it->second;
  }

  void Record(ItemReport item) {
    const std::string where = item.ns.empty() ? item.name : item.ns + "/" + item.name;
    if (item.action == RestoreAction::kFailed) report_.errors.push_back(item.resource + " " + where + ": " + item.message);
    report_.items.push_back(std::move(item));
  }

  [[nodiscard]] kube::WriteOptions Write() const {
    kube::WriteOptions w;
    w.dry_run = options_.dry_run;
    return w;
  }

  const Item* BackedUpNamespace(const std::string& source_name) const {
    for (const auto& item : backup_.items) {
      if (item.group_resource == "namespaces" && item.name == source_name) return &item;
    }
    return nullptr;
  }

  // Creates (or, dry, pretends) the Namespace `target` from the backed-up
  // `source` one. Reports kCreated/kWouldCreate/kSkipped(exists) or a failure.
  RestoreAction CreateNamespace(const std::string& source, const std::string& target, std::string* message) {
    const kube::ResourceInfo* r = discovery_.Find("", "v1", "namespaces");
    if (!r) {
      *message = "the target cluster does not serve namespaces";
      return RestoreAction::kFailed;
    }
    ensured_.insert(target);
    if (pretended_namespaces_.count(target)) return RestoreAction::kWouldCreate;
    auto live = client_.Get(*r, "", target);
    if (live.ok() && kube::BeingDeleted(*live)) {
      // Velero's EnsureNamespaceExistsAndIsReady: a namespace being deleted
      // refuses new content (403) and its re-creation (409) until it is gone.
      if (options_.dry_run) {
        pretended_namespaces_.insert(target);
        *message = "being deleted: created once it is gone";
        return RestoreAction::kWouldCreate;
      }
      Status gone = kube::WaitGone(client_, *r, "", target, "namespace " + target,
                                   std::chrono::seconds(options_.namespace_terminating_timeout_seconds), options_.stop);
      if (!gone.ok()) {
        ensured_.erase(target);
        *message = gone.message();
        return RestoreAction::kFailed;
      }
      live = Status(Code::kNotFound, "namespace " + target + " is gone");
    }
    if (live.ok()) {
      *message = "already exists";
      return RestoreAction::kSkipped;
    }
    if (live.status().code() != Code::kNotFound) {
      ensured_.erase(target);
      *message = live.status().message();
      return RestoreAction::kFailed;
    }
    const Item* backed_up = BackedUpNamespace(source);
    auto created = client_.Create(*r, "", NamespaceForRestore(backed_up ? &backed_up->object : nullptr, target), Write());
    if (!created.ok()) {
      ensured_.erase(target);
      *message = created.status().message();
      return RestoreAction::kFailed;
    }
    if (options_.dry_run) pretended_namespaces_.insert(target);
    return options_.dry_run ? RestoreAction::kWouldCreate : RestoreAction::kCreated;
  }

  void RestoreNamespace(const Item& item) {
    const std::string target = options_.MapNamespace(item.name);
    std::string message;
    RestoreAction action = CreateNamespace(item.name, target, &message);
    Record({"namespaces", "", target, action, message});
  }

  // EnsureNamespaceExistsAndIsReady for a namespaced item.
  bool EnsureNamespace(const std::string& source, const std::string& target, std::string* error) {
    if (ensured_.count(target)) return true;
    std::string message;
    RestoreAction action = CreateNamespace(source, target, &message);
    if (action == RestoreAction::kFailed) {
      *error = "namespace " + target + ": " + message;
      return false;
    }
    if (action != RestoreAction::kSkipped) Record({"namespaces", "", target, action, "needed by restored items"});
    return true;
  }

  // The object's shape where the dry run cannot ask the API (its namespace
  // or its CRD would only be created by this restore).
  static std::string LocalCheck(const Json& object, const kube::ResourceInfo& r) {
    const std::string name = StringAt(object, "/metadata/name");
    if (name.empty()) return "metadata.name: Required value";
    if (std::string bad = kube::NameProblem(name, r.kind); !bad.empty()) {
      // kube's NewInvalid names the group-qualified kind: "Deployment.apps".
      const std::string kind = r.group.empty() ? r.kind : r.kind + "." + r.group;
      return kind + " \"" + name + "\" is invalid: metadata.name: Invalid value: \"" + name + "\": " + bad;
    }
    if (StringAt(object, "/apiVersion") != r.GroupVersion()) return "apiVersion does not match " + r.GroupVersion();
    if (r.namespaced && StringAt(object, "/metadata/namespace").empty()) return "metadata.namespace: Required value";
    return "";
  }

  void RestoreItem(const PlannedItem& p) {
    const Item& item = *p.item;
    ItemReport out{p.item->group_resource, p.target_ns, item.name, RestoreAction::kFailed, ""};
    kube::ResourceInfo resource = p.resource;
    bool pretend_served = false;
    if (p.needs_crd) {
      if (const kube::ResourceInfo* served = ResolveTarget(item, discovery_)) {
        resource = *served;
      } else if (options_.dry_run) {
        pretend_served = true;  // the CRD's dry-run create stored nothing
      } else {
        out.message = "not served by the cluster after its CRD was restored";
        return Record(std::move(out));
      }
    }
    if (out.resource == "configmaps" && item.name == "kube-root-ca.crt") {
      // The cluster publishes it into every namespace from its own CA; a
      // backed-up copy carries the source cluster's.
      out.action = RestoreAction::kSkipped;
      out.message = "published by the cluster in every namespace";
      return Record(std::move(out));
    }
    PreparedObject prepared = PrepareObject(item, resource, context_);
    if (!prepared.skip_reason.empty()) {
      out.action = RestoreAction::kSkipped;
      out.message = prepared.skip_reason;
      return Record(std::move(out));
    }
    if (resource.namespaced && !EnsureNamespace(item.ns, p.target_ns, &out.message)) return Record(std::move(out));
    const Key key{out.resource, p.target_ns, StringAt(prepared.object, "/metadata/name")};
    if (pretended_namespaces_.count(p.target_ns) && out.resource == "serviceaccounts" && item.name == "default") {
      // The cluster creates `default` with the namespace; the real run merges
      // the backed-up one into it, which changes nothing unless it carried more.
      const bool more = !kube::ArrayAt(prepared.object, "/secrets").empty() ||
                        !kube::ArrayAt(prepared.object, "/imagePullSecrets").empty();
      out.action = more ? RestoreAction::kWouldUpdate : RestoreAction::kUnchanged;
      out.message = "created by the cluster with the namespace";
      return Record(std::move(out));
    }
    if (pretend_served || pretended_namespaces_.count(p.target_ns)) {
      // Nothing else can exist yet in a namespace or of a kind this restore creates.
      out.message = LocalCheck(prepared.object, resource);
      if (out.message.empty()) {
        out.action = RestoreAction::kWouldCreate;
        pretended_.insert(key);
      }
      return Record(std::move(out));
    }
    auto created = client_.Create(resource, p.target_ns, prepared.object, Write());
    if (created.ok()) {
      out.action = options_.dry_run ? RestoreAction::kWouldCreate : RestoreAction::kCreated;
      if (options_.dry_run) pretended_.insert(key);
      if (out.resource == kCrds) created_crds_.push_back(prepared.object);
      if (!options_.dry_run) PutBackManagedFields(resource, prepared.object, out);
      return Record(std::move(out));
    }
    // Velero treats a Service whose nodePort is taken by its own live copy as existing.
    const bool port_taken = out.resource == "services" && created.status().code() == Code::kInvalidArgument &&
                            created.status().message().find("provided port is already allocated") != std::string::npos &&
                            client_.Get(resource, p.target_ns, out.name).ok();
    if (created.status().code() != Code::kAlreadyExists && !port_taken) {
      out.message = FailureWithRbacHint(out.resource, prepared.object, created.status());
      return Record(std::move(out));
    }
    RestoreOverExisting({client_, options_, report_, Write()}, resource, prepared.object, out);
    Record(std::move(out));
  }

  // Velero's last step of a create (restore.go): the create made hort the
  // manager of every field, so a merge patch puts the backed-up managedFields
  // back (Helm's, kubectl's, an applier's ownership). A failure is the
  // restore's error, unless the object is gone already.
  void PutBackManagedFields(const kube::ResourceInfo& r, const Json& desired, const ItemReport& out) {
    const Json* fields = kube::FieldAt(desired, "/metadata/managedFields");
    if (!fields || !fields->is_array() || fields->empty()) return;
    auto patched = client_.MergePatch(r, out.ns, out.name, Json{{"metadata", {{"managedFields", *fields}}}}, Write());
    if (!patched.ok() && patched.status().code() != Code::kNotFound) {
      report_.errors.push_back(out.resource + " " + (out.ns.empty() ? "" : out.ns + "/") + out.name +
                               ": putting back its managedFields: " + patched.status().message());
    }
  }

  // Velero's crdAvailable: a new CRD is served only once Established, and
  // its custom resources would fail with 404 until then.
  void WaitForCrds() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options_.crd_ready_timeout_seconds);
    for (;;) {
      if (auto refreshed = client_.Discover(true); refreshed.ok()) discovery_ = std::move(refreshed).value();
      bool all = true;
      for (const auto& crd : created_crds_) {
        std::string group = StringAt(crd, "/spec/group"), plural = StringAt(crd, "/spec/names/plural");
        const kube::ResourceInfo* r = discovery_.Find(group, "", plural);
        all = all && r && r->resource == plural;
      }
      if (all || std::chrono::steady_clock::now() >= deadline) return;
      if (options_.stop && options_.stop->load()) return;
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  }

  kube::Client& client_;
  const ResourceBackup& backup_;
  const RestoreOptions& options_;
  kube::Discovery discovery_;
  ActionContext context_;
  RestoreReport report_;
  std::set<std::string> ensured_;               // target namespaces that exist (or would)
  std::set<std::string> pretended_namespaces_;  // dry run: would be created
  std::set<Key> pretended_;                     // dry run: objects that would be created
  std::map<std::string, bool> nodes_;            // node name → exists
  std::vector<Json> created_crds_;              // real run: CRDs this restore created
};

}  // namespace

Result<RestoreReport> RunRestore(kube::Client& client, const ResourceBackup& backup, const RestoreOptions& options) {
  return Restore(client, backup, options).Run();
}

}  // namespace hort::resources
