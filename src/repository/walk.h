// Depth-first walk over a snapshot's trees, in name order.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "format/tree.h"
#include "repository/repository.h"

namespace hort {

enum class WalkAction { kContinue, kSkipSubtree, kStop };

// How many directories deep below where it starts a walk follows trees.
// Every walker keeps its own stack (never the call stack: the repository
// decides the depth, issue #25) and refuses a deeper tree with
// TreeTooDeep. A real file system cannot get near it: restic and hort back
// up by path and PATH_MAX (4096 bytes) stops them near 2048 levels.
inline constexpr size_t kMaxTreeDepth = 4096;
// kCorruption naming the tree that lies `depth` (> kMaxTreeDepth) directories deep.
[[nodiscard]] Status TreeTooDeep(const Id& tree, size_t depth);

// How a walk loads trees and what it does when one fails.
struct WalkOptions;

// Calls fn(path, node) for every node below `tree`; paths start with `prefix` + "/".
// Trees are loaded with their names checked; a tree deeper than
// kMaxTreeDepth stops the walk with TreeTooDeep.
using WalkFn = std::function<WalkAction(const std::string& path, const Node& node)>;
[[nodiscard]] Status WalkTree(Repository& repo, const Id& tree, const std::string& prefix, const WalkFn& fn);
// The same with the ID of the tree that lists each node, and options.
using WalkInFn = std::function<WalkAction(const Id& parent, const std::string& path, const Node& node)>;
[[nodiscard]] Status WalkTreeIn(Repository& repo, const Id& tree, const std::string& prefix, const WalkInFn& fn,
                                const WalkOptions& options);
[[nodiscard]] Status WalkTreeIn(Repository& repo, const Id& tree, const std::string& prefix, const WalkInFn& fn);

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

struct WalkOptions {
  TreeNames names = TreeNames::kChecked;
  // A tree that cannot be loaded (or lies deeper than kMaxTreeDepth): the
  // walk ends with the error unless this says to go on without the tree.
  // `dir` is its directory's path (`prefix` for the root).
  std::function<bool(const Id& tree, const std::string& dir, const Status& error)> go_on_without;
  // Each tree as it is loaded, before its nodes are visited.
  std::function<void(const Id& tree, const std::string& dir, const std::vector<Node>& nodes)> loaded;
};

// The one way to load and decode a tree blob.
[[nodiscard]] Result<std::vector<Node>> LoadTree(Repository& repo, const Id& tree,
                                                 TreeNames names = TreeNames::kChecked);
// LoadTree's second half, for a caller that treats the failures apart: a
// blob that cannot be read is damage (kNotFound, kCorruption: missing, not
// matching its MAC or ID) or the store failing (any other code), while a
// blob that was read but does not decode, or names unsafe paths, was
// written so (a crafted repository).
[[nodiscard]] Result<std::vector<Node>> DecodeLoadedTree(const Id& tree, std::span<const uint8_t> raw,
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
