#include <cstdio>

#include "cli/command.h"
#include "cli/node_text.h"
#include "cli/snapshot_filter.h"
#include "format/tree.h"
#include "repository/walk.h"
#include "util/hex.h"
#include "util/strings.h"

namespace hort::cli {
namespace {
struct LsFlags {
  std::string snapshot;
  SnapshotFilter filter;  // for "latest", as restic's ls
  std::vector<std::string> dirs;
  bool long_format = false;
  bool recursive = false;
};

// restic's fs.HasPathPrefix: `base` is `p` or one of its ancestors.
bool HasPathPrefix(std::string base, std::string p) {
  auto clean = [](std::string& x) {
    while (x.size() > 1 && x.back() == '/') x.pop_back();
  };
  clean(base);
  clean(p);
  if (base == p) return true;
  if (base == "/") return !p.empty() && p[0] == '/';
  return p.rfind(base + "/", 0) == 0;
}

// restic's ls: a node is shown when it lies within one of the given
// directories; the walk enters a directory on the way to one of them, and
// one within them only with --recursive.
void Select(const std::vector<std::string>& dirs, bool recursive, const std::string& path, bool* show, bool* descend) {
  bool within = dirs.empty(), approaching = dirs.empty();
  for (const auto& d : dirs) {
    within = within || HasPathPrefix(d, path);
    approaching = approaching || HasPathPrefix(path, d);
  }
  *show = within;
  *descend = (within && recursive) || approaching;
}
}  // namespace

Command AddLs(CLI::App& sub, GlobalOptions& g) {
  auto f = std::make_shared<LsFlags>();
  sub.add_option("snapshot", f->snapshot, "snapshot ID or 'latest'")->required();
  sub.add_option("dirs", f->dirs, "only list these directories (absolute snapshot paths)");
  sub.add_flag("-l,--long", f->long_format, "use a long listing format");
  sub.add_flag("--recursive", f->recursive, "include files in subfolders of the listed directories");
  AddFilterFlags(sub, &f->filter);
  auto validate = [f]() -> Status {
    for (const auto& d : f->dirs) {
      if (d.empty() || d[0] != '/') {
        return Status(Code::kInvalidArgument, "All path filters must be absolute, starting with a forward slash '/'");
      }
    }
    return Status::Ok();
  };
  return Command{validate, [] { return NeedsRepository(OpenLock::kNone, true); }, [f, &g](Opened& o) {
    Repository& repo = o.repo();
    auto sel = SelectSnapshots(repo, f->filter, {f->snapshot});
    if (!sel.ok()) return Fail(sel.status());
    if (sel->snapshots.empty()) return ExitForMissing(*sel, kExitOk);
    const Snapshot* snap = &sel->snapshots[0];
    if (g.json) {
      std::string line = SnapshotJson(*snap);
      line.pop_back();
      std::printf("%s,\"struct_type\":\"snapshot\"}\n", line.c_str());
    } else {
      std::printf("snapshot %s of [%s] at %s:\n", snap->id.Short().c_str(), Join(snap->paths, " ").c_str(),
                  FormatLocalTime(snap->time).c_str());
    }
    Status walk = WalkTree(repo, snap->tree, "", [&](const std::string& path, const Node& n) {
      bool show = false, descend = false;
      Select(f->dirs, f->recursive, path, &show, &descend);
      if (show) {
        if (g.json) {
          std::string out = "{\"name\":";
          gojson::AppendString(&out, n.name);
          out += ",\"type\":\"" + n.type + "\",\"path\":";
          gojson::AppendString(&out, path);
          out += ",\"uid\":" + std::to_string(n.uid) + ",\"gid\":" + std::to_string(n.gid);
          if (n.IsFile()) out += ",\"size\":" + std::to_string(n.size);
          out += ",\"mode\":" + std::to_string(n.mode) + ",\"permissions\":\"" + GoModeString(n.mode) + "\"";
          out += ",\"mtime\":\"" + gojson::FormatRfc3339Nano(n.mtime) + "\",\"atime\":\"" +
                 gojson::FormatRfc3339Nano(n.atime) + "\",\"ctime\":\"" + gojson::FormatRfc3339Nano(n.ctime) + "\"";
          out += ",\"struct_type\":\"node\"}";
          std::printf("%s\n", out.c_str());
        } else if (f->long_format) {
          std::printf("%s\n", LongNodeLine(path, n).c_str());
        } else {
          std::printf("%s\n", path.c_str());
        }
      }
      return descend ? WalkAction::kContinue : WalkAction::kSkipSubtree;
    });
    if (!walk.ok()) return Fail(walk.Annotate("snapshot " + snap->id.Short()));
    return kExitOk;
  }};
}

}  // namespace hort::cli
