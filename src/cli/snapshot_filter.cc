#include "cli/snapshot_filter.h"

#include <algorithm>
#include <sstream>

namespace hort::cli {

bool SnapshotFilter::Matches(const Snapshot& s) const {
  if (!hosts.empty() && std::find(hosts.begin(), hosts.end(), s.hostname) == hosts.end()) return false;
  if (!tags.empty()) {
    bool any = false;
    for (const auto& group : tags) {
      std::stringstream ss(group);
      std::string tag;
      bool all = true;
      while (std::getline(ss, tag, ',')) {
        if (!tag.empty() && !s.HasTag(tag)) all = false;
      }
      if (all) any = true;
    }
    if (!any) return false;
  }
  for (const auto& p : paths) {
    if (std::find(s.paths.begin(), s.paths.end(), p) == s.paths.end()) return false;
  }
  return true;
}

std::string SnapshotJson(const Snapshot& s) {
  std::string j = EncodeSnapshot(s);
  j.pop_back();  // re-open the object to append the ID like restic does
  j += ",\"id\":\"" + s.id.Hex() + "\",\"short_id\":\"" + s.id.Short() + "\"}";
  return j;
}

}  // namespace hort::cli
