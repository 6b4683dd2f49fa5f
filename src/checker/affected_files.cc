#include "checker/affected_files.h"

#include <unordered_set>
#include <vector>

#include "checker/short_path.h"
#include "format/tree.h"
#include "repository/walk.h"

namespace hort::checker_internal {
namespace {

class AffectedFiles {
 public:
  AffectedFiles(Repository& repo, const BadBlobs& bad_blobs, const std::function<void(Finding)>& add)
      : repo_(repo), bad_blobs_(bad_blobs), add_(add) {}

  // Walks every snapshot again and names the files that use a damaged blob.
  void ReportAffectedFiles() {
    std::vector<std::string> names;
    (void)repo_.backend().List(FileType::kSnapshot, [&](const std::string& n, uint64_t) { names.push_back(n); });
    for (const auto& name : names) {
      auto text = repo_.LoadUnpacked(FileType::kSnapshot, name);
      if (!text.ok()) continue;
      auto snap = DecodeSnapshot(*text);
      if (!snap.ok()) continue;
      FindAffected(snap->tree, name);
    }
  }

 private:
  void FindAffected(const Id& root, const std::string& snap) {
    std::unordered_set<Id, IdHash> visited;
    auto damaged_dir = [&](const Id& tree, const std::string& path) {
      auto bad = bad_blobs_.find(tree);
      if (bad == bad_blobs_.end()) return false;
      Add({Finding::Kind::kAffectedFile, "snapshot " + snap.substr(0, 8) + ": directory " +
           ShortPath(path.empty() ? "/" : path) + " is damaged (" + bad->second + ")", "", tree.Hex(), snap, path});
      return true;
    };
    if (!visited.insert(root).second || damaged_dir(root, "")) return;
    WalkOptions options;
    options.names = TreeNames::kAsStored;
    options.go_on_without = [](const Id&, const std::string&, const Status&) { return true; };  // reported before
    (void)WalkTreeIn(repo_, root, "", [&](const Id&, const std::string& p, const Node& n) {
      if (n.IsDir() && n.subtree) {
        if (!visited.insert(*n.subtree).second || damaged_dir(*n.subtree, p)) return WalkAction::kSkipSubtree;
        return WalkAction::kContinue;
      }
      if (!n.IsFile()) return WalkAction::kContinue;
      for (const Id& id : n.content) {
        if (auto bad = bad_blobs_.find(id); bad != bad_blobs_.end()) {
          Add({Finding::Kind::kAffectedFile, "snapshot " + snap.substr(0, 8) + ": file " + ShortPath(p) +
               " is damaged (blob " + id.Short() + ": " + bad->second + ")", "", id.Hex(), snap, p});
          break;
        }
      }
      return WalkAction::kContinue;
    }, options);
  }

  void Add(Finding f) { add_(std::move(f)); }

  Repository& repo_;
  const BadBlobs& bad_blobs_;
  const std::function<void(Finding)>& add_;
};

}  // namespace

void ReportAffectedFiles(Repository& repo, const BadBlobs& bad_blobs, const std::function<void(Finding)>& add) {
  AffectedFiles(repo, bad_blobs, add).ReportAffectedFiles();
}

}  // namespace hort::checker_internal
