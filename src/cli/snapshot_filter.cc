#include "cli/snapshot_filter.h"

#include <algorithm>
#include <sstream>

namespace hort::cli {

const Snapshot* SnapshotFilter::Latest(const std::vector<Snapshot>& all) const {
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if (Matches(*it)) return &*it;
  }
  return nullptr;
}

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

bool MatchesIdPrefix(const std::vector<std::string>& ids, const Snapshot& s) {
  if (ids.empty()) return true;
  std::string hex = s.id.Hex();
  return std::any_of(ids.begin(), ids.end(), [&](const std::string& id) { return hex.rfind(id, 0) == 0; });
}

std::vector<std::string> SplitCommaList(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (const auto& t : in) {
    std::stringstream ss(t);
    std::string part;
    while (std::getline(ss, part, ',')) {
      if (!part.empty()) out.push_back(part);
    }
  }
  return out;
}

void AddFilterFlags(CLI::App& sub, SnapshotFilter* filter, bool short_host) {
  sub.add_option(short_host ? "--host,-H" : "--host", filter->hosts, "only consider snapshots of this host");
  sub.add_option("--tag", filter->tags, "only consider snapshots with these tags (a,b = both)");
  sub.add_option("--path", filter->paths, "only consider snapshots including this path");
}

std::string JsonStringArray(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ",";
    gojson::AppendString(&out, v[i]);
  }
  return out + "]";
}

std::string SnapshotJson(const Snapshot& s) {
  std::string j = EncodeSnapshot(s);
  j.pop_back();  // re-open the object to append the ID like restic does
  j += ",\"id\":\"" + s.id.Hex() + "\",\"short_id\":\"" + s.id.Short() + "\"}";
  return j;
}

}  // namespace hort::cli
