#include <cstdio>
#include <functional>

#include "cli/command.h"
#include "cli/snapshot_filter.h"
#include "format/tree.h"
#include "repository/walk.h"
#include "util/hex.h"

namespace hort::cli {
namespace {
struct LsFlags {
  std::string snapshot;
  std::vector<std::string> dirs;
  bool long_format = false;
  bool recursive = false;
};

std::string Permissions(uint32_t mode) {
  std::string s(10, '-');
  if (mode & gomode::kDir) s[0] = 'd';
  else if (mode & gomode::kSymlink) s[0] = 'L';
  else if (mode & gomode::kCharDevice) s[0] = 'c';
  else if (mode & gomode::kDevice) s[0] = 'D';
  else if (mode & gomode::kNamedPipe) s[0] = 'p';
  else if (mode & gomode::kSocket) s[0] = 'S';
  const char* rwx = "rwxrwxrwx";
  for (int i = 0; i < 9; ++i) if (mode & (1u << (8 - i))) s[static_cast<size_t>(i + 1)] = rwx[i];
  return s;
}

// Whether `path` is inside or on the way to one of the requested directories.
bool Wanted(const std::vector<std::string>& dirs, const std::string& path, bool* descend) {
  if (dirs.empty()) {
    *descend = true;
    return true;
  }
  *descend = false;
  bool show = false;
  for (std::string d : dirs) {
    while (d.size() > 1 && d.back() == '/') d.pop_back();
    if (path == d || path.rfind(d + "/", 0) == 0) {
      show = path != d || true;
      *descend = true;
    } else if (d.rfind(path + "/", 0) == 0) {
      *descend = true;
    }
  }
  return show;
}
}  // namespace

Command AddLs(CLI::App& sub, GlobalOptions& g) {
  auto f = std::make_shared<LsFlags>();
  sub.add_option("snapshot", f->snapshot, "snapshot ID or 'latest'")->required();
  sub.add_option("dirs", f->dirs, "only list these directories (absolute snapshot paths)");
  sub.add_flag("-l,--long", f->long_format, "use a long listing format");
  sub.add_flag("--recursive", f->recursive, "recurse into the given directories (always on)");
  return MakeCommand(NeedsRepository(OpenLock::kNone, true), [f, &g](Opened& o) {
    Repository& repo = o.repo();
    auto snap = repo.FindSnapshot(f->snapshot);
    if (!snap.ok()) return Fail(snap.status());
    if (g.json) {
      std::string line = SnapshotJson(*snap);
      line.pop_back();
      std::printf("%s,\"struct_type\":\"snapshot\"}\n", line.c_str());
    } else {
      std::printf("snapshot %s of [%s] at %s:\n", snap->id.Short().c_str(),
                  snap->paths.empty() ? "" : snap->paths[0].c_str(), FormatLocalTime(snap->time).c_str());
    }
    Status walk_error;
    std::function<void(const Id&, const std::string&)> walk = [&](const Id& tree, const std::string& dir) {
      auto nodes = LoadTree(repo, tree);
      if (!nodes.ok()) {
        walk_error = nodes.status();
        return;
      }
      for (const Node& n : *nodes) {
        std::string path = dir + "/" + n.name;
        bool descend = false;
        if (Wanted(f->dirs, path, &descend)) {
          if (g.json) {
            std::string out = "{\"name\":";
            gojson::AppendString(&out, n.name);
            out += ",\"type\":\"" + n.type + "\",\"path\":";
            gojson::AppendString(&out, path);
            out += ",\"uid\":" + std::to_string(n.uid) + ",\"gid\":" + std::to_string(n.gid);
            if (n.IsFile()) out += ",\"size\":" + std::to_string(n.size);
            out += ",\"mode\":" + std::to_string(n.mode) + ",\"permissions\":\"" + Permissions(n.mode) + "\"";
            out += ",\"mtime\":\"" + gojson::FormatRfc3339Nano(n.mtime) + "\",\"atime\":\"" +
                   gojson::FormatRfc3339Nano(n.atime) + "\",\"ctime\":\"" + gojson::FormatRfc3339Nano(n.ctime) + "\"";
            out += ",\"struct_type\":\"node\"}";
            std::printf("%s\n", out.c_str());
          } else if (f->long_format) {
            std::string extra = n.type == "symlink" ? " -> " + n.linktarget : "";
            std::printf("%s %5s %5s %10llu %s %s%s\n", Permissions(n.mode).c_str(),
                        n.user.empty() ? std::to_string(n.uid).c_str() : n.user.c_str(),
                        n.group.empty() ? std::to_string(n.gid).c_str() : n.group.c_str(),
                        static_cast<unsigned long long>(n.size), FormatLocalTime(n.mtime).c_str(), path.c_str(),
                        extra.c_str());
          } else {
            std::printf("%s\n", path.c_str());
          }
        }
        if (n.IsDir() && n.subtree && descend) walk(*n.subtree, path);
      }
    };
    walk(snap->tree, "");
    if (!walk_error.ok()) return Fail(walk_error);
    return kExitOk;
  });
}

}  // namespace hort::cli
