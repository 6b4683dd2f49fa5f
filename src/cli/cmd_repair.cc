// repair index / rebuild-index: index every pack by reading its header, a
// local pack no index knows by reading it whole (repository/index_rebuild.h).
// repair snapshots: write new snapshots without references to lost data.
#include <cstdio>
#include <optional>
#include <string>
#include <unordered_set>

#include "cli/command.h"
#include "cli/snapshot_filter.h"
#include "format/gojson.h"
#include "format/tree.h"
#include "repository/index_rebuild.h"
#include "repository/walk.h"
#include "util/hex.h"
#include "util/strings.h"

namespace hort::cli {
namespace {

Status RebuildIndexVerbosely(Repository& repo, bool quiet) {
  IndexRebuildProgress progress;
  if (!quiet) progress.reading = [](size_t packs) { std::printf("reading %zu packs\n", packs); };
  progress.unreadable = [](const Id& pack, const Status& why, bool kept) {
    std::fprintf(stderr, "pack %s: %s (%s)\n", pack.Short().c_str(), why.message().c_str(),
                 kept ? "its entries from the old index were kept" : "left out of the new index");
  };
  HORT_ASSIGN_OR_RETURN(IndexRebuildStats stats, RebuildIndex(repo, progress));
  const size_t unreadable = stats.packs_unreadable + stats.not_matching.packs + stats.wrong_size.packs;
  if (!quiet) std::printf("wrote %zu index files, removed %zu old ones, %zu packs unreadable\n",
                          stats.index_files_written, stats.old_index_files, unreadable);
  // The index is complete again, but damage is not repaired by indexing:
  // say so with the exit code, not only in a line that scrolls by.
  std::vector<std::string> damage;
  if (stats.packs_unreadable > 0) {
    damage.push_back(std::to_string(stats.packs_unreadable) + " packs have a damaged header (" +
                     std::to_string(stats.packs_kept_from_old_index) +
                     " kept with their old index entries); run `hort check --read-data` to see what they hold");
  }
  const auto salvaged = [](const SalvagedPacks& s) {
    return " (" + std::to_string(s.blobs_stored_again) + " intact blobs stored again, " + std::to_string(s.blobs_lost) +
           " lost) and were left out";
  };
  if (stats.not_matching.packs > 0) {
    damage.push_back(std::to_string(stats.not_matching.packs) + " packs no index file knew do not hash to their names" +
                     salvaged(stats.not_matching) + "; `hort prune` removes them");
  }
  if (stats.wrong_size.packs > 0) {
    damage.push_back(std::to_string(stats.wrong_size.packs) +
                     " packs are not the size their old index entries make and their header is damaged" +
                     salvaged(stats.wrong_size) +
                     (stats.wrong_size.blobs_lost > 0
                          ? "; `hort repair snapshots --forget` drops what was lost, then `hort prune` removes them"
                          : "; `hort prune` removes them"));
  }
  if (damage.empty()) return Status::Ok();
  return Status(Code::kCorruption, Join(damage, "; "));
}

// restic's --read-all-packs reads every pack's header instead of trusting
// the old index for packs of the right size; hort always reads them all,
// so scripts that pass the flag get what they ask for.
CLI::Option* AddReadAllPacks(CLI::App& sub, bool* given) {
  return sub.add_flag("--read-all-packs", *given, "index: read all pack files (hort always does)");
}

// A path in restic's repair lines: Go's %q.
std::string GoQuote(std::string_view path) { return "\"" + gojson::QuoteInner(path) + "\""; }

class SnapshotRepairer {
 public:
  SnapshotRepairer(Repository& repo, bool dry_run) : repo_(repo), dry_run_(dry_run) {}

  // Returns the repaired tree's ID; sets changed_ when something was dropped.
  // Children first, on a stack of our own: the repository decides how deep
  // trees go (issue #25).
  Result<Id> Repair(const Id& root) {
    struct Frame {
      std::vector<Node> nodes, out;
      size_t next = 0;
      size_t path_length = 0;  // of the directory's own path
    };
    std::vector<Frame> stack;
    std::string path;
    // The tree's nodes on the stack, or an unreadable tree's empty replacement.
    auto open = [&](const Id& tree) -> Result<std::optional<Id>> {
      auto nodes = LoadTree(repo_, tree, TreeNames::kAsStored);
      if (nodes.ok()) {
        stack.push_back({std::move(*nodes), {}, 0, path.size()});
        return std::optional<Id>();
      }
      std::printf("  dir %s: replaced with empty directory\n", GoQuote(path.empty() ? "/" : path).c_str());
      changed_ = true;
      HORT_ASSIGN_OR_RETURN(Id empty, Save({}));
      return std::optional<Id>(empty);
    };
    HORT_ASSIGN_OR_RETURN(std::optional<Id> repaired, open(root));
    while (!repaired) {
      Frame& f = stack.back();
      if (f.next == f.nodes.size()) {
        HORT_ASSIGN_OR_RETURN(Id id, Save(f.out));
        stack.pop_back();
        if (stack.empty()) {
          repaired = id;
        } else {
          Frame& parent = stack.back();
          parent.nodes[parent.next - 1].subtree = id;
          parent.out.push_back(std::move(parent.nodes[parent.next - 1]));
        }
        continue;
      }
      Node& n = f.nodes[f.next++];
      path.resize(f.path_length);
      path.append("/").append(n.name);
      if (n.IsFile()) {
        KeepWhatIsLeft(n, path);
      } else if (n.IsDir() && n.subtree) {
        HORT_ASSIGN_OR_RETURN(std::optional<Id> sub, open(*n.subtree));
        if (!sub) continue;  // pushed: `f` and `n` are invalid; the node goes out when its tree is done
        n.subtree = *sub;
      }
      f.out.push_back(std::move(n));
    }
    return *repaired;
  }

  bool changed() const { return changed_; }
  void reset() { changed_ = false; }

 private:
  // As restic's repair snapshots (0.16): a file keeps the blobs that are
  // still there and its size becomes theirs; dropping the whole file would
  // lose the parts that survived. Its lines are restic's.
  void KeepWhatIsLeft(Node& n, const std::string& path) {
    std::vector<Id> kept;
    uint64_t size = 0;
    for (const Id& id : n.content) {
      if (auto where = repo_.index().Lookup(id, BlobType::kData)) {
        kept.push_back(id);
        size += where->PlainLength();
      }
    }
    if (kept.size() != n.content.size()) {
      std::printf("  file %s: removed missing content\n", GoQuote(path).c_str());
    } else if (size != n.size) {
      std::printf("  file %s: fixed incorrect size\n", GoQuote(path).c_str());
    } else {
      return;
    }
    changed_ = true;
    n.content = std::move(kept);
    n.size = size;
  }

  Result<Id> Save(const std::vector<Node>& nodes) {
    std::string text = EncodeTree(nodes);
    Id id = Id::Hash(AsBytes(text));
    if (!dry_run_) HORT_RETURN_IF_ERROR(repo_.SaveBlob(BlobType::kTree, id, AsBytes(text)).status());
    return id;
  }
  Repository& repo_;
  bool dry_run_;
  bool changed_ = false;
};

struct RepairFlags {
  std::string what;
  bool forget = false, dry_run = false, read_all_packs = false;
};

}  // namespace

Command AddRepair(CLI::App& sub, GlobalOptions& g) {
  auto f = std::make_shared<RepairFlags>();
  sub.add_option("what", f->what, "index | snapshots")->required();
  sub.add_flag("--forget", f->forget, "snapshots: remove the damaged originals");
  sub.add_flag("-n,--dry-run", f->dry_run, "snapshots: only show what would be repaired");
  AddReadAllPacks(sub, &f->read_all_packs);
  auto validate = [f]() -> Status {
    if (f->read_all_packs && f->what == "snapshots") {  // restic's repair snapshots has no such flag
      return Status(Code::kInvalidArgument, "The following argument was not expected: --read-all-packs");
    }
    if (f->what != "index" && f->what != "snapshots") {
      return Status(Code::kInvalidArgument, "repair what? use 'repair index' or 'repair snapshots'");
    }
    return Status::Ok();
  };
  // Repairing snapshots looks blobs up in the index; rebuilding it does not read the old one.
  auto needs = [f] { return NeedsRepositoryLocked(OpenLock::kExclusive, f->what == "snapshots"); };
  return Command{validate, needs, [f, &g](Opened& o) {
    Repository& repo = o.repo();
    if (f->what == "index") {
      Status s = RebuildIndexVerbosely(repo, g.quiet);
      return s.ok() ? kExitOk : Fail(s);
    }
    // A damaged snapshot file is named and left out, as restic's repair
    // snapshots does: it holds no tree to repair, and the others still can be.
    std::vector<std::string> damaged;
    auto snaps = ReadableSnapshots(repo, &damaged);
    if (!snaps.ok()) return Fail(snaps.status());
    SnapshotRepairer repairer(repo, f->dry_run);
    size_t repaired = 0;
    for (Snapshot s : *snaps) {
      repairer.reset();
      std::printf("snapshot %s of %s\n", s.id.Short().c_str(), s.paths.empty() ? "" : s.paths[0].c_str());
      auto tree = repairer.Repair(s.tree);
      if (!tree.ok()) return Fail(tree.status());
      if (!repairer.changed()) continue;
      ++repaired;
      if (f->dry_run) continue;
      Status fl = repo.Flush();
      if (!fl.ok()) return Fail(fl);
      Id old = s.id;
      if (!s.original) s.original = old;
      s.tree = *tree;
      if (!s.HasTag("repaired")) s.tags.push_back("repaired");
      auto saved = repo.SaveUnpacked(FileType::kSnapshot, EncodeSnapshot(s));
      if (!saved.ok()) return Fail(saved.status());
      std::printf("  saved new snapshot %s\n", saved->Short().c_str());
      if (f->forget) {
        Status rm = repo.backend().Remove({FileType::kSnapshot, old.Hex()});
        if (!rm.ok()) return Fail(rm);
      }
    }
    std::printf("%s %zu snapshots\n", f->dry_run ? "would repair" : "repaired", repaired);
    for (const std::string& name : damaged) {
      std::fprintf(stderr, "snapshot file %s cannot be repaired: `hort forget %s` removes it\n", name.c_str(),
                   name.substr(0, 8).c_str());
    }
    return kExitOk;
  }};
}

Command AddRebuildIndex(CLI::App& sub, GlobalOptions& g) {
  static bool read_all_packs = false;  // taken and changes nothing: hort always reads every pack
  AddReadAllPacks(sub, &read_all_packs);
  return MakeCommand(NeedsRepositoryLocked(OpenLock::kExclusive, false), [&g](Opened& o) {
    Status s = RebuildIndexVerbosely(o.repo(), g.quiet);
    return s.ok() ? kExitOk : Fail(s);
  });
}

}  // namespace hort::cli
