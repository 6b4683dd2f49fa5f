// Restores a resource backup into a cluster, item by item, the way Velero's
// restoreItem does (pkg/restore/restore.go): plan (restore_plan.h), prepare
// (restore_actions.h), ensure the namespace, POST, and on AlreadyExists
// compare with the live object and apply the existing-resource policy.
//
// The dry run walks the same path with ?dryRun=All and remembers what it
// would have created, so that later items see those namespaces, CRDs and
// ServiceAccounts as the real run will: its per-item actions are the real
// run's with "would-" in front.
#pragma once

#include "kube/client.h"
#include "resources/model.h"
#include "resources/restore_options.h"
#include "resources/restore_report.h"
#include "util/status.h"

namespace hort::resources {

// Fails as a whole only when nothing can be planned (discovery unreadable, a
// bad option); per-item failures, RBAC refusals included, are in the report.
[[nodiscard]] Result<RestoreReport> RunRestore(kube::Client& client, const ResourceBackup& backup,
                                               const RestoreOptions& options);

}  // namespace hort::resources
