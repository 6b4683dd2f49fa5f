// Depth-first walk over a snapshot's trees, in name order.
#pragma once

#include <functional>
#include <string>

#include "format/tree.h"
#include "repository/repository.h"

namespace hort {

enum class WalkAction { kContinue, kSkipSubtree, kStop };

// Calls fn(path, node) for every node below `tree`; paths start with `prefix` + "/".
using WalkFn = std::function<WalkAction(const std::string& path, const Node& node)>;
[[nodiscard]] Status WalkTree(Repository& repo, const Id& tree, const std::string& prefix, const WalkFn& fn);

// Loads and decodes one tree blob.
[[nodiscard]] Result<std::vector<Node>> LoadTree(Repository& repo, const Id& tree);

// Finds the node at `path` ("/a/b") below `tree`; the root itself is a synthetic dir node.
[[nodiscard]] Result<Node> FindNodeAt(Repository& repo, const Id& tree, const std::string& path);

}  // namespace hort
