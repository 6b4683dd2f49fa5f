// Depth-first walk over a snapshot's trees, in name order.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "format/tree.h"
#include "repository/repository.h"

namespace hort {

enum class WalkAction { kContinue, kSkipSubtree, kStop };

// Calls fn(path, node) for every node below `tree`; paths start with `prefix` + "/".
// Trees are loaded with their names checked.
using WalkFn = std::function<WalkAction(const std::string& path, const Node& node)>;
[[nodiscard]] Status WalkTree(Repository& repo, const Id& tree, const std::string& prefix, const WalkFn& fn);

// What LoadTree checks of the node names.
enum class TreeNames {
  // Each a single safe path element (not IsUnsafeNodeName) and strictly
  // sorted (no duplicates), else kCorruption naming the tree: for everything
  // that makes paths of them (restore, ls, find, diff, dump, stats, verify).
  kChecked,
  // As stored: for code that handles the tree as data — copy writes it on
  // verbatim, repair keeps what it can read, backup compares a parent.
  kAsStored,
};

// The one way to load and decode a tree blob.
[[nodiscard]] Result<std::vector<Node>> LoadTree(Repository& repo, const Id& tree,
                                                 TreeNames names = TreeNames::kChecked);

// The elements of a path inside a snapshot ("/a//./b" -> {"a", "b"}): empty
// and "." elements dropped.
[[nodiscard]] std::vector<std::string> SnapshotPathElements(const std::string& path);
// The same path as "/a/b"; "" for the root.
[[nodiscard]] std::string CleanSnapshotPath(const std::string& path);

// Finds the node at `path` ("/a/b") below `tree`; the root itself is a synthetic dir node.
// kNotFound only when no such path exists; a tree on the way that the
// repository lacks is kCorruption.
[[nodiscard]] Result<Node> FindNodeAt(Repository& repo, const Id& tree, const std::string& path);

}  // namespace hort
