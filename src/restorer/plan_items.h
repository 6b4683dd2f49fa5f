// The restore's plan of items: which of a snapshot's items it takes (a
// subpath, --include, --exclude and their case-insensitive forms), read
// from the snapshot's trees in tree order. Everything the plan does per
// item is in plan_items.cc.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "repository/repository.h"
#include "restorer/restore_item.h"
#include "restorer/restorer.h"

namespace hort::restore_internal {

// The directories whose trees could not be read (missing, or failing their
// MAC or ID), by snapshot path, and why: restored as empty directories and
// named as errors.
using UnreadableTrees = std::vector<std::pair<std::string, Status>>;

// Fills `tree` (its target, snapshot prefix and items) for a restore of
// `snap` with `options`. A damaged tree is added to `unreadable` and the
// plan goes on; any other failure ends it.
[[nodiscard]] Status PlanItems(Repository& repo, const Snapshot& snap, const RestoreOptions& options, ItemTree& tree,
                               UnreadableTrees& unreadable);

}  // namespace hort::restore_internal
