#include <algorithm>
#include <cstdio>

#include "cli/command.h"
#include "cli/snapshot_filter.h"

namespace hort::cli {
namespace {
struct TagFlags {
  std::vector<std::string> add, remove, set, ids;
  SnapshotFilter filter;
  bool set_given = false;
};

}  // namespace

Command AddTag(CLI::App& sub, GlobalOptions& g) {
  auto f = std::make_shared<TagFlags>();
  sub.add_option("--add", f->add, "tags to add");
  sub.add_option("--remove", f->remove, "tags to remove");
  auto* set = sub.add_option("--set", f->set, "replace all tags with these");
  AddFilterFlags(sub, &f->filter);
  sub.add_option("snapshots", f->ids, "snapshot IDs (default: all matching)");
  auto validate = [f, set]() -> Status {
    bool setting = set->count() > 0;
    if (!setting && f->add.empty() && f->remove.empty()) {
      return Status(Code::kInvalidArgument, "nothing to do: give --set, --add or --remove");
    }
    if (setting && (!f->add.empty() || !f->remove.empty())) {
      return Status(Code::kInvalidArgument, "--set cannot be combined with --add or --remove");
    }
    return Status::Ok();
  };
  return Command{validate, [] { return NeedsRepository(OpenLock::kExclusive, false); }, [f, &g](Opened& o) {
    Repository& repo = o.repo();
    auto sel = SelectSnapshots(repo, f->filter, f->ids);
    if (!sel.ok()) return Fail(sel.status());
    auto add = SplitCommaList(f->add), remove = SplitCommaList(f->remove), replace = SplitCommaList(f->set);
    // restic 0.14 drops empty tags before it asks whether to set: `--set ''`
    // changes no snapshot (it does not clear the tags).
    const bool setting = !replace.empty();
    size_t changed = 0;
    for (Snapshot s : sel->snapshots) {
      std::vector<std::string> tags = setting ? replace : s.tags;
      for (const auto& t : add) if (std::find(tags.begin(), tags.end(), t) == tags.end()) tags.push_back(t);
      for (const auto& t : remove) tags.erase(std::remove(tags.begin(), tags.end(), t), tags.end());
      // restic 0.14 rewrites every snapshot --set names, its tags the same
      // or not; --add/--remove only those they change.
      if (!setting && tags == s.tags) continue;
      Id old = s.id;
      // Like restic: the rewritten snapshot remembers the one it replaces.
      if (!s.original) s.original = old;
      s.tags = tags;
      auto saved = repo.SaveUnpacked(FileType::kSnapshot, EncodeSnapshot(s));
      if (!saved.ok()) return Fail(saved.status());
      Status rm = repo.backend().Remove({FileType::kSnapshot, old.Hex()});
      if (!rm.ok()) return Fail(rm);
      ++changed;
    }
    if (!g.quiet) {  // restic's two lines
      if (changed == 0) std::printf("no snapshots were modified\n");
      else std::printf("modified tags on %zu snapshots\n", changed);
    }
    return ExitForMissing(*sel, kExitOk);
  }};
}

}  // namespace hort::cli
