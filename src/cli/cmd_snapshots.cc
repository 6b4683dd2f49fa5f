#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/snapshot_filter.h"
#include "cli/snapshot_table.h"
#include "policy/retention.h"
#include "util/strings.h"

namespace hort::cli {
namespace {
struct SnapshotsFlags {
  SnapshotFilter filter;
  int latest = 0;
  bool compact = false;
  std::string group_by;
  GroupBy by;  // group_by parsed
  std::vector<std::string> ids;
};

std::string GroupKeyJson(const Snapshot& s, const GroupBy& by) {
  std::string out = "{";
  bool first = true;
  auto add = [&](const std::string& k, const std::string& v) {
    out += (first ? "" : ",") + std::string("\"") + k + "\":" + v;
    first = false;
  };
  std::string host;
  gojson::AppendString(&host, by.host ? s.hostname : "");
  add("hostname", host);
  auto paths = s.paths, tags = s.tags;
  std::sort(paths.begin(), paths.end());
  std::sort(tags.begin(), tags.end());
  // Go's nil slice: an untagged snapshot's key has "tags":null, and its header no "tags []".
  add("paths", by.group && !paths.empty() ? JsonStringArray(paths) : "null");
  add("tags", by.tags && !tags.empty() ? JsonStringArray(tags) : "null");
  return out + "}";
}
// restic's PrintSnapshotGroupHeader, from the group's key (GroupKeyJson).
std::string GroupHeader(const std::string& key_json) {
  auto key = nlohmann::json::parse(key_json, nullptr, false);
  auto list = [](const nlohmann::json& v) {
    std::vector<std::string> items;
    for (const auto& x : v) items.push_back(x.get<std::string>());
    return items;
  };
  const std::vector<std::string> tags = key["tags"].is_null() ? std::vector<std::string>() : list(key["tags"]);
  const std::vector<std::string> paths = key["paths"].is_null() ? std::vector<std::string>() : list(key["paths"]);
  return GroupHeaderText(key["hostname"].get<std::string>(), key["tags"].is_null() ? nullptr : &tags,
                         key["paths"].is_null() ? nullptr : &paths);
}
}  // namespace

Command AddSnapshots(CLI::App& sub, GlobalOptions& g) {
  auto f = std::make_shared<SnapshotsFlags>();
  AddFilterFlags(sub, &f->filter);
  sub.add_option("--latest", f->latest, "only show the last N snapshots for each host and path");
  sub.add_option("-g,--group-by", f->group_by, "group by host, paths and/or tags (comma-separated)");
  sub.add_flag("-c,--compact", f->compact, "use compact output format (no paths)");
  sub.add_option("ids", f->ids, "snapshot IDs to show ('latest' and prefixes work)");
  // An unknown grouping word is refused before the repository opens, as restic and forget -g refuse it.
  auto validate = [f]() -> Status {
    HORT_ASSIGN_OR_RETURN(f->by, ParseGroupBy(f->group_by, "paths"));
    return Status::Ok();
  };
  return Command{validate, [] { return NeedsRepository(OpenLock::kShared, false); }, [f, &g](Opened& o) {
    auto sel = SelectSnapshots(o.repo(), f->filter, f->ids);
    if (!sel.ok()) return Fail(sel.status());
    std::vector<Snapshot> list = sel->snapshots;
    // restic's grouping sorts each snapshot's paths in place: snapshots prints
    // them sorted, while the snapshot keeps the order backup was given.
    for (auto& s : list) std::sort(s.paths.begin(), s.paths.end());
    if (f->latest > 0) {
      // Keep the newest N per host+paths, like restic.
      std::map<std::string, int> seen;
      std::vector<Snapshot> kept;
      for (auto it = list.rbegin(); it != list.rend(); ++it) {
        auto paths = it->paths;
        std::sort(paths.begin(), paths.end());
        if (++seen[it->hostname + "\n" + Join(paths, "\n")] <= f->latest) kept.insert(kept.begin(), *it);
      }
      list = kept;
    }
    if (f->by.tags) {
      // restic 0.14 sorts each snapshot's tags in place while grouping by them, so they print sorted.
      for (auto& s : list) std::sort(s.tags.begin(), s.tags.end());
    }
    std::map<std::string, std::vector<const Snapshot*>> groups;
    for (const auto& s : list) groups[f->group_by.empty() ? "" : GroupKeyJson(s, f->by)].push_back(&s);
    if (g.json) {
      std::string out = f->group_by.empty() ? "" : "[";
      bool first_group = true;
      for (const auto& [key, snaps] : groups) {
        if (!f->group_by.empty()) {
          out += (first_group ? "" : ",") + std::string("{\"group_key\":") + key + ",\"snapshots\":";
          first_group = false;
        }
        out += "[";
        for (size_t i = 0; i < snaps.size(); ++i) out += (i ? "," : "") + SnapshotJson(*snaps[i]);
        out += "]";
        if (!f->group_by.empty()) out += "}";
      }
      if (groups.empty()) out += "[]";
      if (!f->group_by.empty()) out += "]";
      std::printf("%s\n", out.c_str());
      return ExitForMissing(*sel, kExitOk);
    }
    for (const auto& [key, snaps] : groups) {
      if (!key.empty()) std::printf("%s", GroupHeader(key).c_str());
      std::printf("%s", SnapshotTable(snaps, nullptr, f->compact).c_str());
    }
    return ExitForMissing(*sel, kExitOk);
  }};
}

}  // namespace hort::cli
