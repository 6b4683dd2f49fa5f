// Which items of a resource backup a restore creates, in which order, and
// as which resource of the target cluster: Velero's restore selection
// (pkg/restore/restore.go) without touching the cluster.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "kube/discovery.h"
#include "resources/model.h"
#include "resources/restore_options.h"
#include "util/status.h"

namespace hort::resources {

struct PlannedItem {
  const Item* item = nullptr;   // into the ResourceBackup the plan was made from
  kube::ResourceInfo resource;  // as the target cluster serves it
  std::string target_ns;        // mapped namespace; "" for cluster-scoped objects
  // The target does not serve the resource yet; a CRD of this backup will
  // define it. `resource` is then derived from that CRD.
  bool needs_crd = false;
};

struct SkippedItem {
  std::string group_resource, ns, name, reason;
  bool error = false;  // not restorable though wanted (the target lacks the resource)
};

struct RestorePlan {
  std::vector<PlannedItem> items;    // restore order
  std::vector<SkippedItem> skipped;  // filtered by rule (not by include/exclude or selector)
};

// Velero's nonRestorableResources (restore_controller.go).
[[nodiscard]] bool IsNeverRestored(const std::string& group_resource);

// Velero's getOrderedResources: the high-priority list, then the rest
// alphabetically, then the low-priority list.
[[nodiscard]] std::vector<std::string> OrderResources(const std::set<std::string>& group_resources);

// Filters, orders and resolves. kInvalidArgument for an include/exclude name
// the target does not know, a never-restored resource named in the includes,
// or a bad label selector.
[[nodiscard]] Result<RestorePlan> PlanRestore(const ResourceBackup& backup, const kube::Discovery& target,
                                              const RestoreOptions& options);

// The resource a backed-up object is created as in `target`: same group and
// plural; the backup's version when still served (the API server converts),
// else the target's preferred one. nullptr when not served.
[[nodiscard]] const kube::ResourceInfo* ResolveTarget(const Item& item, const kube::Discovery& target);

}  // namespace hort::resources
