// A whole Velero backup storage location through the validation ladder
// (resources/verify.h): the layout once, then every backup, with what the
// scheduled verify job and its metrics need — how many failed, and when the
// newest Completed backup finished (the location's real recovery point).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kube/client.h"
#include "objstore/object_store.h"
#include "resources/verify.h"

namespace hort::resources {

struct LocationCheck {
  int target_level = 4;                // a backup below it failed
  std::vector<VerifyProblem> layout;   // L0 of the location
  std::vector<BackupCheck> backups;    // in the bucket's name order
  size_t failed = 0;                   // below target_level, not transient
  size_t transient = 0;                // in progress, or just expired: not counted
  // The newest Completed backup that passed (the location's recovery
  // point): its completion time (0: none) and name.
  int64_t newest_completed_unix = 0;
  std::string newest_completed;

  [[nodiscard]] bool Failed(const BackupCheck& c) const { return !c.transient && c.level_reached < target_level; }
  // Below the level only because Velero is still at it (BackupCheck::transient).
  [[nodiscard]] bool NotCounted(const BackupCheck& c) const { return c.transient && c.level_reached < target_level; }
};

// Every backup under backups/ (or only `name`), each up to options.max_level
// (5 needs options.replay). Fails only when the location cannot be listed;
// a location without any backups/ is an L0 problem in `layout`.
[[nodiscard]] Result<LocationCheck> VerifyLocation(ObjectStore& store, VerifyOptions options,
                                                   const std::string& name = "");

// L5: a dry-run restore (?dryRun=All, nothing written) of every item, each
// backed-up namespace mapped to <ns>-verify, and for items bound for
// namespaces the dry run could only pretend, a SelfSubjectAccessReview of
// their create. Every failed item is a problem.
[[nodiscard]] ReplayHook DryRunReplay(kube::Client& client);

}  // namespace hort::resources
