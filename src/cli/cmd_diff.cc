#include <cstdio>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "cli/json_text.h"
#include "cli/command.h"
#include "repository/walk.h"

namespace hort::cli {
namespace {
struct DiffFlags {
  std::string a, b;
  bool metadata = false;
};

struct Counts {
  uint64_t files = 0, dirs = 0, others = 0;
};

bool SameMetadata(const Node& x, const Node& y) {
  return x.mode == y.mode && x.uid == y.uid && x.gid == y.gid && x.mtime == y.mtime && x.linktarget == y.linktarget &&
         x.xattrs == y.xattrs && x.device == y.device;
}

void CountNode(Counts& c, const Node& n) {
  if (n.IsFile()) c.files++;
  else if (n.IsDir()) c.dirs++;
  else c.others++;
}
}  // namespace

Command AddDiff(CLI::App& sub, GlobalOptions& g) {
  auto f = std::make_shared<DiffFlags>();
  sub.add_option("snapshot-a", f->a, "first snapshot")->required();
  sub.add_option("snapshot-b", f->b, "second snapshot")->required();
  sub.add_flag("--metadata", f->metadata, "also report metadata-only changes");
  return MakeCommand(NeedsRepository(OpenLock::kNone, true), [f, &g](Opened& o) {
    Repository& repo = o.repo();
    auto sa = repo.FindSnapshot(f->a);
    if (!sa.ok()) return Fail(sa.status());
    auto sb = repo.FindSnapshot(f->b);
    if (!sb.ok()) return Fail(sb.status());
    std::map<std::string, Node> na, nb;
    std::unordered_set<Id, IdHash> blobs_a, blobs_b;
    auto collect = [&](const Snapshot& s, std::map<std::string, Node>& out, std::unordered_set<Id, IdHash>& blobs) {
      return WalkTree(repo, s.tree, "", [&](const std::string& p, const Node& n) {
        for (const Id& id : n.content) blobs.insert(id);
        out.emplace(n.IsDir() ? p + "/" : p, n);
        return WalkAction::kContinue;
      });
    };
    Status s = collect(*sa, na, blobs_a);
    if (s.ok()) s = collect(*sb, nb, blobs_b);
    if (!s.ok()) return Fail(s);
    if (!g.json && !g.quiet) std::printf("comparing snapshot %s to %s:\n\n", sa->id.Short().c_str(), sb->id.Short().c_str());
    Counts added, removed;
    uint64_t changed = 0;
    auto emit = [&](const char* mod, const std::string& path) {
      if (g.json) {
        nlohmann::json j = {{"message_type", "change"}, {"path", path}, {"modifier", mod}};
        std::printf("%s\n", JsonText(j).c_str());
      } else if (!g.quiet) {
        std::printf("%-5s%s\n", mod, path.c_str());
      }
    };
    std::set<std::string> paths;
    for (auto& [p, n] : na) paths.insert(p);
    for (auto& [p, n] : nb) paths.insert(p);
    for (const std::string& p : paths) {
      auto ia = na.find(p), ib = nb.find(p);
      if (ia == na.end()) {
        CountNode(added, ib->second);
        emit("+", p);
      } else if (ib == nb.end()) {
        CountNode(removed, ia->second);
        emit("-", p);
      } else if (ia->second.type != ib->second.type) {
        changed++;
        emit("T", p);
      } else if (ia->second.IsFile() && ia->second.content != ib->second.content) {
        changed++;
        emit("M", p);
      } else if (f->metadata && !SameMetadata(ia->second, ib->second)) {
        changed++;
        emit("U", p);
      }
    }
    uint64_t blobs_added = 0, blobs_removed = 0, bytes_added = 0, bytes_removed = 0;
    for (const Id& id : blobs_b) {
      if (blobs_a.count(id)) continue;
      blobs_added++;
      if (auto loc = repo.index().Lookup(id, BlobType::kData)) bytes_added += loc->PlainLength();
    }
    for (const Id& id : blobs_a) {
      if (blobs_b.count(id)) continue;
      blobs_removed++;
      if (auto loc = repo.index().Lookup(id, BlobType::kData)) bytes_removed += loc->PlainLength();
    }
    if (g.json) {
      nlohmann::json j = {{"message_type", "statistics"}, {"source_snapshot", sa->id.Hex()}, {"target_snapshot", sb->id.Hex()},
                          {"changed_files", changed},
                          {"added", {{"files", added.files}, {"dirs", added.dirs}, {"others", added.others}, {"data_blobs", blobs_added}, {"bytes", bytes_added}}},
                          {"removed", {{"files", removed.files}, {"dirs", removed.dirs}, {"others", removed.others}, {"data_blobs", blobs_removed}, {"bytes", bytes_removed}}}};
      std::printf("%s\n", JsonText(j).c_str());
    } else if (!g.quiet) {
      std::printf("\nFiles:       %5llu new, %5llu removed, %5llu changed\n", (unsigned long long)added.files,
                  (unsigned long long)removed.files, (unsigned long long)changed);
      std::printf("Dirs:        %5llu new, %5llu removed\n", (unsigned long long)added.dirs, (unsigned long long)removed.dirs);
      std::printf("Others:      %5llu new, %5llu removed\n", (unsigned long long)added.others, (unsigned long long)removed.others);
      std::printf("Data Blobs:  %5llu new, %5llu removed\n", (unsigned long long)blobs_added, (unsigned long long)blobs_removed);
      std::printf("Added:   %s\nRemoved: %s\n", FormatBytes(bytes_added).c_str(), FormatBytes(bytes_removed).c_str());
    }
    return kExitOk;
  });
}

}  // namespace hort::cli
