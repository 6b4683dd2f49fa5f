#include "resources/restore_existing.h"

#include "kube/json_fields.h"
#include "resources/rbac_objects.h"
#include "resources/restore_actions.h"

namespace hort::resources {
namespace {

using kube::StringAt;

// What the compare looks at: Velero strips the same metadata and the status.
// managedFields are left out too: the API adds its own entry on create, so
// they would make every restored object differ from its backup.
Json Comparable(Json object) {
  ResetMetadataAndStatus(object);
  if (object.is_object() && object.contains("metadata") && object["metadata"].is_object()) {
    object["metadata"].erase("managedFields");
  }
  return object;
}

}  // namespace

void RestoreOverExisting(const ExistingContext& c, const kube::ResourceInfo& r, const Json& desired, ItemReport& out) {
  auto live = c.client.Get(r, out.ns, out.name);
  if (!live.ok()) {
    out.message = "already exists, but could not be read: " + live.status().message();
    return;
  }
  // As Velero: compared with the restore labels added (the live object
  // cannot have them yet), patched from the object without them.
  const Json live_plain = Comparable(*live);
  Json live_cmp = live_plain;
  AddRestoreLabels(live_cmp, c.report.backup_name, c.report.restore_name);
  Json desired_cmp = Comparable(desired);
  KeepClusterAssigned(out.resource, live_plain, desired_cmp);
  // A copy under a namespace mapping adds its subjects to a ClusterRoleBinding
  // that exists: replacing them took the grant away from the original
  // namespace, which still runs (Velero replaces them).
  if (out.resource == "clusterrolebindings.rbac.authorization.k8s.io" && !c.options.namespace_mapping.empty()) {
    KeepLiveSubjects(live_plain, desired_cmp);
  }
  const bool update = c.options.existing_resource_policy == ExistingResourcePolicy::kUpdate;
  const Json labels_patch = {{"metadata", {{"labels", {{kBackupNameLabel, ValidLabelValue(c.report.backup_name)},
                                                       {kRestoreNameLabel, ValidLabelValue(c.report.restore_name)}}}}}};
  if (live_cmp == desired_cmp) {
    out.action = RestoreAction::kUnchanged;
    // policy update: the unchanged object is still marked as restored.
    if (update) (void)c.client.MergePatch(r, out.ns, out.name, labels_patch, c.write);
    return;
  }
  out.diff = FieldDiff(live_cmp, desired_cmp);
  const std::string kind = StringAt(desired, "/kind");
  if (out.resource == "serviceaccounts") {
    // Velero merges an existing ServiceAccount whatever the policy: the
    // cluster may have added token secrets that must stay. From the live
    // object with the restore labels, as Velero's: what only they would
    // change is no change (policy none leaves the object as it is).
    const Json merged = MergeServiceAccount(live_cmp, desired_cmp);
    const Json patch = MergePatchFor(live_cmp, merged);
    if (patch.empty()) {
      out.action = RestoreAction::kUnchanged;
      out.diff.clear();
      return;
    }
    auto patched = c.client.MergePatch(r, out.ns, out.name, patch, c.write);
    if (patched.ok()) {
      out.action = c.options.dry_run ? RestoreAction::kWouldUpdate : RestoreAction::kUpdated;
      out.diff = FieldDiff(live_cmp, merged);
    } else {
      out.action = RestoreAction::kDiffers;
      out.message = "merge failed: " + patched.status().message();
      c.report.warnings.push_back("could not merge " + kind + " \"" + out.name + "\": " + patched.status().message());
    }
    return;
  }
  if (!update) {
    out.action = RestoreAction::kDiffers;
    c.report.warnings.push_back("could not restore, " + kind + " \"" + out.name +
                               "\" already exists. Warning: the in-cluster version is different than the "
                               "backed-up version");
    return;
  }
  auto patched = c.client.MergePatch(r, out.ns, out.name, MergePatchFor(live_plain, desired_cmp), c.write);
  if (patched.ok()) {
    out.action = c.options.dry_run ? RestoreAction::kWouldUpdate : RestoreAction::kUpdated;
    return;
  }
  // Velero's fallback: at least mark the object as seen by this restore.
  (void)c.client.MergePatch(r, out.ns, out.name, labels_patch, c.write);
  out.action = RestoreAction::kDiffers;
  const std::string why = FailureWithRbacHint(out.resource, desired, patched.status());
  out.message = "update failed: " + why;
  c.report.warnings.push_back("could not update " + kind + " \"" + out.name + "\": " + why);
}

}  // namespace hort::resources
