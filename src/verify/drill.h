// `hort dr` (BT-DR-01): a cold-start drill from repository credentials alone
// — every host/paths group's latest snapshot restored and verified, timed
// per group and in total.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "verify/restore_units.h"

namespace hort {

struct DrillReport {
  std::vector<RestoreUnit> units;  // in restore order
  double restore_seconds = 0, validate_seconds = 0;
  uint64_t files = 0, bytes = 0;
  bool ok = false;
};

// Restores below `target`/<host>/<paths slug>. With a catalog, groups of
// critical services' namespaces go first.
[[nodiscard]] Result<DrillReport> RunDrill(Repository& repo, const std::string& repository, const std::string& target,
                                           const Catalog* catalog, const std::atomic<bool>* cancel);

// Stable sort by the classification of the service whose namespace is the
// snapshot's host (unknown hosts last).
void OrderByClassification(std::vector<RestoreUnit>& units, const Catalog* catalog);

}  // namespace hort
