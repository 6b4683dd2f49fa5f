// The per-item changes a restore makes before it creates an object: Velero's
// resetMetadataAndStatus, its built-in RestoreItemActions and the namespace
// mapping (pkg/restore/restore.go, pkg/restore/actions/*.go). Pure functions
// on JSON: no cluster access, so a dry run and the real run prepare the same
// objects.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>

#include "kube/discovery.h"
#include "kube/object_names.h"
#include "resources/model.h"
#include "resources/restore_options.h"

namespace hort::resources {

inline constexpr const char* kBackupNameLabel = "velero.io/backup-name";
inline constexpr const char* kRestoreNameLabel = "velero.io/restore-name";

struct ActionContext {
  const RestoreOptions* options = nullptr;  // namespace mapping
  std::string backup_name, restore_name;
  // PVs of this backup that are re-provisioned through their claims instead
  // of restored as objects: their PVCs lose spec.volumeName.
  std::set<std::string> pvs_to_provision;
  // PVs of this backup that are not restored, with why: under a namespace
  // mapping, one that still exists serves the unmapped claim (its name is
  // in pvs_to_provision too, so the mapped claim provisions a new volume).
  std::map<std::string, std::string> pvs_kept;
  // Whether a ServiceAccount exists in the target (Secret action); null = none does.
  std::function<bool(const std::string& ns, const std::string& name)> service_account_exists;
  // Whether a Node exists in the target (a PVC's selected-node); null = none does.
  std::function<bool(const std::string& name)> node_exists;
};

struct PreparedObject {
  Json object;              // what to POST
  std::string skip_reason;  // non-empty: do not restore
};

// Everything below for one item, in Velero's order: reset metadata and
// status, the kind's action, the mapped namespace, the restore labels.
[[nodiscard]] PreparedObject PrepareObject(const Item& item, const kube::ResourceInfo& target,
                                           const ActionContext& context);

// Deletes generateName, selfLink, uid, resourceVersion, generation,
// creationTimestamp, deletionTimestamp, deletionGracePeriodSeconds,
// ownerReferences and status; keeps labels, annotations, finalizers, managedFields.
void ResetMetadataAndStatus(Json& object);
void AddRestoreLabels(Json& object, const std::string& backup_name, const std::string& restore_name);
// Velero's label.GetValidName: over 63 characters → the first 57 plus 6 hex of its SHA-256.
using kube::ValidLabelValue;

// Per kind. Each takes the object after ResetMetadataAndStatus.
void PodAction(Json& pod);
void ServiceAction(Json& service);
void JobAction(Json& job);
void PersistentVolumeClaimAction(Json& pvc, const ActionContext& context);
[[nodiscard]] std::string PersistentVolumeAction(Json& pv, const ActionContext& context);  // skip reason or ""
void ServiceAccountAction(Json& service_account);
[[nodiscard]] std::string SecretAction(Json& secret, const std::string& source_ns, const ActionContext& context);
void BindingAction(Json& binding, const RestoreOptions& options);  // Role- and ClusterRoleBinding
void WebhookConfigurationAction(Json& configuration);
void CustomResourceDefinitionAction(Json& crd);  // v1 refuses preserveUnknownFields: true

// For an object that exists already: the fields the actions above leave out
// because the cluster assigns them (a pod's node, a Service's cluster IPs and
// unpinned node ports, a claim's volume and bind annotations, a PV's claim
// uid) are taken from the live object where `desired` lacks them. Otherwise
// an untouched object "differs", and --existing-resource-policy update
// patched those fields away (immutable ones a real cluster refuses).
void KeepClusterAssigned(const std::string& group_resource, const Json& live, Json& desired);

// Velero's mergeServiceAccounts for a ServiceAccount that already exists:
// the live one plus the backup's secrets, imagePullSecrets (by name), labels
// and annotations (the live value wins a shared key).
[[nodiscard]] Json MergeServiceAccount(const Json& live, const Json& backup);

// The Namespace a restore creates for `name`: from the backed-up one (only
// name, labels, annotations, spec; no restore labels) or bare when null.
[[nodiscard]] Json NamespaceForRestore(const Json* backed_up, const std::string& name);

}  // namespace hort::resources
