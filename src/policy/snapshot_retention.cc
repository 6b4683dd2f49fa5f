#include "policy/snapshot_retention.h"

namespace hort {

RetentionItem RetentionItemOf(const Snapshot& s) {
  return RetentionItem{s.time, s.hostname, s.tags, s.paths};
}

std::vector<KeepDecision> ApplyPolicy(const std::vector<const Snapshot*>& group, const ExpirePolicy& policy) {
  std::vector<RetentionItem> items;
  items.reserve(group.size());
  for (const Snapshot* s : group) items.push_back(RetentionItemOf(*s));
  std::vector<KeepDecision> out;
  for (RetentionDecision& d : DecideRetention(items, policy)) {
    out.push_back({group[d.item], d.keep, std::move(d.reasons), d.counters});
  }
  return out;
}

Result<std::vector<SnapshotGroup>> GroupSnapshots(const std::vector<Snapshot>& snapshots, const std::string& group_by) {
  HORT_ASSIGN_OR_RETURN(GroupBy by, ParseGroupBy(group_by, "paths"));
  std::vector<RetentionItem> items;
  items.reserve(snapshots.size());
  for (const Snapshot& s : snapshots) items.push_back(RetentionItemOf(s));
  std::vector<SnapshotGroup> out;
  for (RetentionGroup& g : GroupForRetention(items, by)) {
    SnapshotGroup sg;
    sg.hostname = std::move(g.host);
    sg.paths = std::move(g.group);
    sg.tags = std::move(g.tags);
    sg.by_host = by.host;
    sg.by_paths = by.group;
    sg.by_tags = by.tags;
    for (size_t i : g.items) sg.snapshots.push_back(&snapshots[i]);
    out.push_back(std::move(sg));
  }
  return out;
}

}  // namespace hort
