#include <fnmatch.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/json_text.h"
#include "cli/command.h"
#include "cli/snapshot_filter.h"
#include "format/pattern.h"
#include "repository/walk.h"

namespace hort::cli {
namespace {
struct FindFlags {
  std::vector<std::string> patterns;
  bool ignore_case = false;
  SnapshotFilter filter;
  std::vector<std::string> snapshots;
};
}  // namespace

Command AddFind(CLI::App& sub, GlobalOptions& g) {
  auto f = std::make_shared<FindFlags>();
  sub.add_option("pattern", f->patterns, "name patterns (globs) to look for")->required();
  sub.add_flag("-i,--ignore-case", f->ignore_case, "match case-insensitively");
  AddFilterFlags(sub, &f->filter);
  sub.add_option("-s,--snapshot", f->snapshots, "only search these snapshots");
  return MakeCommand(NeedsRepository(OpenLock::kNone, true), [f, &g](Opened& o) {
    Repository& repo = o.repo();
    auto all = repo.LoadSnapshots();
    if (!all.ok()) return Fail(all.status());
    nlohmann::json out = nlohmann::json::array();
    for (const Snapshot& s : *all) {
      if (!f->filter.Matches(s)) continue;
      if (!MatchesIdPrefix(f->snapshots, s)) continue;
      nlohmann::json matches = nlohmann::json::array();
      Status st = WalkTree(repo, s.tree, "", [&](const std::string& path, const Node& n) {
        std::string name = f->ignore_case ? LowerCase(n.name) : n.name;
        for (const auto& p : f->patterns) {
          std::string pat = f->ignore_case ? LowerCase(p) : p;
          if (fnmatch(pat.c_str(), name.c_str(), 0) == 0) {
            matches.push_back({{"path", path}, {"type", n.type}, {"size", n.size},
                               {"mtime", gojson::FormatRfc3339Nano(n.mtime)}});
            break;
          }
        }
        return WalkAction::kContinue;
      });
      if (!st.ok()) return Fail(st);
      if (matches.empty()) continue;
      if (g.json) {
        out.push_back({{"snapshot", s.id.Hex()}, {"hits", matches.size()}, {"matches", matches}});
      } else {
        std::printf("Found matching entries in snapshot %s from %s\n", s.id.Short().c_str(), FormatLocalTime(s.time).c_str());
        for (const auto& m : matches) std::printf("%s\n", m["path"].get<std::string>().c_str());
        std::printf("\n");
      }
    }
    if (g.json) std::printf("%s\n", JsonText(out).c_str());
    return kExitOk;
  });
}

}  // namespace hort::cli
