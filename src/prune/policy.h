// restic's forget policy: which snapshots of a group to keep, and why.
#pragma once

#include <string>
#include <vector>

#include "format/snapshot.h"
#include "util/status.h"

namespace hort {

// A calendar duration like restic's "1y5m7d2h".
struct CalendarDuration {
  int years = 0, months = 0, days = 0, hours = 0;
  [[nodiscard]] bool Zero() const { return years == 0 && months == 0 && days == 0 && hours == 0; }
  [[nodiscard]] std::string ToString() const;
};
[[nodiscard]] Result<CalendarDuration> ParseCalendarDuration(const std::string& s);

struct ExpirePolicy {
  // Counts: 0 = not used, -1 = unlimited.
  int last = 0, hourly = 0, daily = 0, weekly = 0, monthly = 0, yearly = 0;
  CalendarDuration within, within_hourly, within_daily, within_weekly, within_monthly, within_yearly;
  std::vector<std::vector<std::string>> tags;  // keep snapshots carrying all tags of any list
  [[nodiscard]] bool Empty() const;
};

struct KeepDecision {
  const Snapshot* snapshot;
  bool keep;
  std::vector<std::string> reasons;
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
