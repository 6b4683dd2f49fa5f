// restic's `recover`: a snapshot of every tree that nothing references (no
// other tree, no snapshot), so data whose snapshot was lost can be restored.
#include <algorithm>
#include <cstdio>
#include <unistd.h>
#include <pwd.h>
#include <unordered_map>

#include "cli/command.h"
#include "format/tree.h"

namespace hort::cli {
namespace {

std::string ThisHost() {
  char buf[256] = {};
  (void)::gethostname(buf, sizeof(buf) - 1);
  return buf;
}

}  // namespace

Command AddRecover(CLI::App&, GlobalOptions& g) {
  return MakeCommand(NeedsRepositoryLocked(OpenLock::kShared, true), [&g](Opened& o) {
    Repository& repo = o.repo();
    auto say = [&](const char* text) { if (g.verbose > 0 || !g.quiet) std::printf("%s", text); };
    // Each tree blob → whether another tree or a snapshot references it.
    std::unordered_map<Id, bool, IdHash> trees;
    for (const auto& [pack, blobs] : repo.index().BlobsByPack()) {
      for (const IndexBlob& b : blobs) {
        if (b.type == BlobType::kTree) trees.emplace(b.id, false);
      }
    }
    if (!g.quiet) std::printf("load %zu trees\n", trees.size());
    for (auto& [id, seen] : trees) {
      auto raw = repo.LoadBlob(BlobType::kTree, id);
      auto nodes = raw.ok() ? DecodeTree(std::string_view(reinterpret_cast<const char*>(raw->data()), raw->size()))
                            : Result<std::vector<Node>>(raw.status());
      if (!nodes.ok()) {
        std::fprintf(stderr, "unable to load tree %s: %s\n", id.Short().c_str(), nodes.status().message().c_str());
        continue;
      }
      for (const Node& n : *nodes) {
        if (n.IsDir() && n.subtree) {
          if (auto it = trees.find(*n.subtree); it != trees.end()) it->second = true;
        }
      }
    }
    say("load snapshots\n");
    auto snaps = repo.LoadSnapshots();
    if (!snaps.ok()) return Fail(snaps.status());
    for (const Snapshot& s : *snaps) {
      if (auto it = trees.find(s.tree); it != trees.end()) it->second = true;
    }
    std::vector<Id> roots;
    for (const auto& [id, seen] : trees) {
      if (!seen) roots.push_back(id);
    }
    std::printf("\nfound %zu unreferenced roots\n", roots.size());
    if (roots.empty()) {
      say("no snapshot to write.\n");
      return kExitOk;
    }
    // restic names each entry by the tree's short ID; a tree's nodes are sorted by name.
    std::sort(roots.begin(), roots.end(), [](const Id& a, const Id& b) { return a.Short() < b.Short(); });
    const gojson::Timestamp now = gojson::Now();
    std::vector<Node> nodes;
    for (const Id& id : roots) {
      Node n;
      n.name = id.Short();
      n.type = "dir";
      n.mode = 0755;  // as restic writes it: without Go's ModeDir bit
      n.mtime = n.atime = n.ctime = now;
      n.subtree = id;
      nodes.push_back(std::move(n));
    }
    std::string tree = EncodeTree(nodes);
    const Id tree_id = Id::Hash(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(tree.data()), tree.size()));
    auto saved_tree = repo.SaveBlob(BlobType::kTree, tree_id,
                                    std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(tree.data()), tree.size()));
    if (!saved_tree.ok()) return Fail(saved_tree.status().Annotate("unable to save new tree to the repository"));
    if (Status s = repo.Flush(); !s.ok()) return Fail(s.Annotate("unable to save blobs to the repository"));
    Snapshot sn;
    sn.time = now;
    sn.tree = tree_id;
    sn.paths = {"/recover"};
    sn.hostname = ThisHost();
    if (passwd* pw = ::getpwuid(::getuid())) sn.username = pw->pw_name;
    sn.uid = ::getuid();
    sn.gid = ::getgid();
    sn.tags = {"recovered"};
    auto id = repo.SaveUnpacked(FileType::kSnapshot, EncodeSnapshot(sn));
    if (!id.ok()) return Fail(id.status().Annotate("unable to save snapshot"));
    std::printf("saved new snapshot %s\n", id->Short().c_str());
    return kExitOk;
  });
}

}  // namespace hort::cli
