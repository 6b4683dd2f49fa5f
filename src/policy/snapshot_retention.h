// Retention over restic snapshots: the adapter between format/snapshot.h and
// policy/retention.h, used by `hort forget`, catalog retention and restore
// tests. A snapshot's series is its host and its paths.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "format/snapshot.h"
#include "policy/retention.h"
#include "util/status.h"

namespace hort {

// How retention sees a snapshot (a view into `s`).
[[nodiscard]] RetentionItem RetentionItemOf(const Snapshot& s);

struct KeepDecision {
  const Snapshot* snapshot;
  bool keep;
  std::vector<std::string> reasons;
  std::array<int, 6> counters{};  // see RetentionDecision
};

// Applies the policy to one group, newest first, exactly as restic's
// ApplyPolicy does (bucket values computed in each snapshot's own zone).
[[nodiscard]] std::vector<KeepDecision> ApplyPolicy(const std::vector<const Snapshot*>& group,
                                                    const ExpirePolicy& policy);

struct SnapshotGroup {
  std::string hostname;              // empty unless grouped by host
  std::vector<std::string> paths;    // sorted; only when grouped by paths
  std::vector<std::string> tags;     // sorted; only when grouped by tags
  bool by_host = false, by_paths = false, by_tags = false;
  std::vector<const Snapshot*> snapshots;
};

// --group-by "host,paths" (default), any subset, or "" for one group.
[[nodiscard]] Result<std::vector<SnapshotGroup>> GroupSnapshots(const std::vector<Snapshot>& snapshots,
                                                                const std::string& group_by);

}  // namespace hort
