// repair index / rebuild-index: index every pack by reading its header.
// repair snapshots: write new snapshots without references to lost data.
#include <algorithm>
#include <cstdio>
#include <unordered_set>

#include "cli/command.h"
#include "format/tree.h"
#include "repository/walk.h"
#include "util/hex.h"

namespace hort::cli {
namespace {

Status RebuildIndex(Repository& repo, bool quiet) {
  std::vector<std::pair<Id, uint64_t>> packs;
  HORT_RETURN_IF_ERROR(repo.backend().List(FileType::kPack, [&](const std::string& n, uint64_t size) {
    if (auto id = Id::Parse(n)) packs.emplace_back(*id, size);
  }));
  std::vector<Id> old_index;
  HORT_RETURN_IF_ERROR(repo.backend().List(FileType::kIndex, [&](const std::string& n, uint64_t) {
    if (auto id = Id::Parse(n)) old_index.push_back(*id);
  }));
  if (!quiet) std::printf("reading %zu pack headers\n", packs.size());
  IndexFile idx;
  size_t blobs = 0, bad = 0;
  std::vector<Id> written;
  auto flush = [&]() -> Status {
    if (idx.packs.empty()) return Status::Ok();
    HORT_ASSIGN_OR_RETURN(Id id, repo.SaveIndexFile(idx));
    written.push_back(id);
    idx.packs.clear();
    blobs = 0;
    return Status::Ok();
  };
  for (const auto& [pack, size] : packs) {
    auto header = repo.LoadPackHeader(pack, size);
    if (!header.ok()) {
      // An unreadable pack is left out of the index; check names it afterwards.
      std::fprintf(stderr, "pack %s: %s (not indexed)\n", pack.Short().c_str(), header.status().message().c_str());
      ++bad;
      continue;
    }
    IndexPack ip{pack, {}};
    for (const PackEntry& e : *header) ip.blobs.push_back({e.id, e.type, e.offset, e.length, e.uncompressed_length});
    blobs += ip.blobs.size();
    idx.packs.push_back(std::move(ip));
    if (blobs >= 50000) HORT_RETURN_IF_ERROR(flush());
  }
  HORT_RETURN_IF_ERROR(flush());
  // The new index is complete before any old index file goes.
  std::unordered_set<Id, IdHash> keep(written.begin(), written.end());
  for (const Id& id : old_index) {
    if (!keep.count(id)) HORT_RETURN_IF_ERROR(repo.backend().Remove({FileType::kIndex, id.Hex()}));
  }
  if (!quiet) std::printf("wrote %zu index files, removed %zu old ones, %zu packs unreadable\n", written.size(),
                          old_index.size(), bad);
  return Status::Ok();
}

class SnapshotRepairer {
 public:
  SnapshotRepairer(Repository& repo, bool dry_run) : repo_(repo), dry_run_(dry_run) {}

  // Returns the repaired tree's ID; sets changed_ when something was dropped.
  Result<Id> Repair(const Id& tree, const std::string& path) {
    auto nodes = LoadTree(repo_, tree);
    if (!nodes.ok()) {
      std::printf("  dir %s: tree %s is unreadable, replaced by an empty directory\n", path.empty() ? "/" : path.c_str(),
                  tree.Short().c_str());
      changed_ = true;
      return Save({});
    }
    std::vector<Node> out;
    for (Node& n : *nodes) {
      std::string p = path + "/" + n.name;
      if (n.IsFile()) {
        bool lost = std::any_of(n.content.begin(), n.content.end(),
                                [&](const Id& id) { return !repo_.index().Has(id, BlobType::kData); });
        if (lost) {
          std::printf("  file %s: content is lost, removed from the snapshot\n", p.c_str());
          changed_ = true;
          continue;
        }
      } else if (n.IsDir() && n.subtree) {
        HORT_ASSIGN_OR_RETURN(Id sub, Repair(*n.subtree, p));
        n.subtree = sub;
      }
      out.push_back(std::move(n));
    }
    return Save(out);
  }

  bool changed() const { return changed_; }
  void reset() { changed_ = false; }

 private:
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
  bool forget = false, dry_run = false;
};

}  // namespace

Command AddRepair(CLI::App& sub, GlobalOptions& g) {
  auto f = std::make_shared<RepairFlags>();
  sub.add_option("what", f->what, "index | snapshots")->required();
  sub.add_flag("--forget", f->forget, "snapshots: remove the damaged originals");
  sub.add_flag("-n,--dry-run", f->dry_run, "snapshots: only show what would be repaired");
  auto validate = [f]() -> Status {
    if (f->what != "index" && f->what != "snapshots") {
      return Status(Code::kInvalidArgument, "repair what? use 'repair index' or 'repair snapshots'");
    }
    return Status::Ok();
  };
  // Repairing snapshots looks blobs up in the index; rebuilding it does not read the old one.
  auto needs = [f] { return NeedsRepository(LockMode::kExclusive, f->what == "snapshots"); };
  return Command{validate, needs, [f, &g](Opened& o) {
    Repository& repo = o.repo();
    if (f->what == "index") {
      Status s = RebuildIndex(repo, g.quiet);
      return s.ok() ? kExitOk : Fail(s);
    }
    auto snaps = repo.LoadSnapshots();
    if (!snaps.ok()) return Fail(snaps.status());
    SnapshotRepairer repairer(repo, f->dry_run);
    size_t repaired = 0;
    for (Snapshot s : *snaps) {
      repairer.reset();
      std::printf("snapshot %s of %s\n", s.id.Short().c_str(), s.paths.empty() ? "" : s.paths[0].c_str());
      auto tree = repairer.Repair(s.tree, "");
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
    return kExitOk;
  }};
}

Command AddRebuildIndex(CLI::App&, GlobalOptions& g) {
  return MakeCommand(NeedsRepository(LockMode::kExclusive, false), [&g](Opened& o) {
    Status s = RebuildIndex(o.repo(), g.quiet);
    return s.ok() ? kExitOk : Fail(s);
  });
}

}  // namespace hort::cli
