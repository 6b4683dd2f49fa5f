#include "restorer/plan_items.h"

#include <unistd.h>

#include <optional>

#include "format/pattern.h"
#include "format/tree.h"
#include "repository/walk.h"

namespace hort::restore_internal {
namespace {

std::vector<std::string> LowerCased(const std::vector<std::string>& patterns) {
  std::vector<std::string> out;
  for (const auto& p : patterns) out.push_back(LowerCase(p));
  return out;
}

// A tree that is missing or fails its MAC or ID: restored as an empty
// directory and named. Anything else (the store unreachable) stops the restore.
bool IsDamage(const Status& s) { return s.code() == Code::kNotFound || s.code() == Code::kCorruption; }

class ItemPlanner {
 public:
  ItemPlanner(Repository& repo, const Snapshot& snap, const RestoreOptions& opt, ItemTree& tree,
              UnreadableTrees& unreadable_trees)
      : repo_(repo),
        snap_(snap),
        opt_(opt),
        lower_excludes_(LowerCased(opt.iexcludes)),
        lower_includes_(LowerCased(opt.iincludes)),
        tree_(tree),
        unreadable_trees_(unreadable_trees) {}

  Status Plan() {
    Id root = snap_.tree;
    const std::string& sub = opt_.subpath;
    std::string snap_prefix = CleanSnapshotPath(sub);
    if (!snap_prefix.empty()) {
      auto node = FindNodeAt(repo_, root, sub);
      if (!node.ok() && node.status().code() != Code::kNotFound) return node.status();
      if (!node.ok()) {
        return Status(Code::kNotFound, "path \"" + sub + "\" not found in snapshot " + snap_.id.Short());
      }
      // It is there, but SNAPSHOT:SUBPATH restores a folder's contents.
      if (!node->IsDir() || !node->subtree) {
        return Status(Code::kInvalidArgument, "path \"" + sub + "\" in snapshot " + snap_.id.Short() + " is a " +
                                                  node->type + ", not a directory (restore it with --include)");
      }
      root = *node->subtree;
    }
    tree_.target = AbsoluteTarget(opt_.target);
    tree_.snap_prefix = snap_prefix;
    return PlanTree(root, snap_prefix);
  }

 private:
  bool Excluded(const std::string& snap_path) {
    return MatchesAnyPattern(opt_.excludes, lower_excludes_, snap_path);
  }

  bool IncludedByPattern(const std::string& snap_path) {
    if (opt_.includes.empty() && lower_includes_.empty()) return true;
    return MatchesAnyPattern(opt_.includes, lower_includes_, snap_path);
  }

  static std::string AbsoluteTarget(std::string t) {
    while (t.size() > 1 && t.back() == '/') t.pop_back();
    if (t.empty() || t[0] != '/') {
      char cwd[4096];
      if (::getcwd(cwd, sizeof(cwd))) t = std::string(cwd) + "/" + t;
    }
    return t;
  }

  // Selects the items below `root` in tree order: a directory stays when it
  // or something below it is selected. A stack of our own, not the call
  // stack: the repository decides the depth (issue #25).
  Status PlanTree(const Id& root, const std::string& snap_root) {
    struct Frame {
      std::vector<Node> nodes;
      size_t next = 0;
      uint32_t parent;        // the directory item listing `nodes`
      std::string snap_dir;   // its snapshot path
      bool included;          // by an --include of the directory or one above it
      bool any = false;       // something below was selected
    };
    std::vector<Frame> stack;
    auto raw_top = repo_.LoadBlob(BlobType::kTree, root);
    if (!raw_top.ok()) {
      // The top tree damaged as any below (restic: "ignoring error for /"):
      // named, nothing restored, exit 1; the store unreachable stops it.
      if (!IsDamage(raw_top.status())) return raw_top.status();
      unreadable_trees_.emplace_back(snap_root.empty() ? "/" : snap_root, raw_top.status());
      return Status::Ok();
    }
    HORT_ASSIGN_OR_RETURN(auto top, DecodeLoadedTree(root, *raw_top));
    stack.push_back({std::move(top), 0, kTopLevel, snap_root, false});
    while (!stack.empty()) {
      Frame& f = stack.back();
      const int depth = static_cast<int>(stack.size()) - 1;
      if (f.next == f.nodes.size()) {
        // A directory stays when it is included or something inside is.
        const bool keep = f.any || f.included;
        const uint32_t slot = f.parent;
        stack.pop_back();
        if (stack.empty()) break;
        if (keep) stack.back().any = true;
        else tree_.items.resize(slot);  // nothing selected inside, so nothing was added after it
        continue;
      }
      Node& n = f.nodes[f.next++];
      std::string snap_path = f.snap_dir + "/" + n.name;
      if (Excluded(snap_path)) continue;
      const bool included = f.included || IncludedByPattern(snap_path);
      if (!n.IsDir()) {
        if (!included) continue;
        f.any = true;
        tree_.Append(std::move(n), f.parent, depth);
        continue;
      }
      std::optional<Id> subtree = n.subtree;
      const auto slot = static_cast<uint32_t>(tree_.items.size());
      tree_.Append(std::move(n), f.parent, depth);
      if (!subtree) {
        if (included) f.any = true;
        else tree_.items.resize(slot);
        continue;
      }
      if (stack.size() > kMaxTreeDepth) return TreeTooDeep(*subtree, stack.size()).Annotate("snapshot " + snap_.id.Short());
      auto raw = repo_.LoadBlob(BlobType::kTree, *subtree);
      if (!raw.ok()) {
        // As restic's restore: a directory whose tree is damaged (missing,
        // not matching its MAC or ID) is made empty and named as an error,
        // and everything else is restored — unless no --include could
        // select anything below it (restic never loads such a tree). Any
        // other failure (the store unreachable) stops the restore, which
        // has written nothing yet; so does a tree that was read but is
        // refused (unsafe names): the repository was crafted (issue #25).
        if (!IsDamage(raw.status())) return raw.status();
        if (included || AnyPatternMayMatchBelow(opt_.includes, lower_includes_, snap_path)) {
          unreadable_trees_.emplace_back(tree_.SnapPath(tree_.items[slot]), raw.status());
          f.any = true;
        } else {
          tree_.items.resize(slot);
        }
        continue;
      }
      HORT_ASSIGN_OR_RETURN(auto nodes, DecodeLoadedTree(*subtree, *raw));
      stack.push_back({std::move(nodes), 0, slot, std::move(snap_path), included});  // `f` is invalid from here
    }
    return Status::Ok();
  }

  Repository& repo_;
  const Snapshot& snap_;
  const RestoreOptions& opt_;
  const std::vector<std::string> lower_excludes_, lower_includes_;  // --iexclude/--iinclude
  ItemTree& tree_;
  UnreadableTrees& unreadable_trees_;
};

}  // namespace

Status PlanItems(Repository& repo, const Snapshot& snap, const RestoreOptions& options, ItemTree& tree,
                 UnreadableTrees& unreadable) {
  return ItemPlanner(repo, snap, options, tree, unreadable).Plan();
}

}  // namespace hort::restore_internal
