#include "checker/tree_depths.h"

#include "repository/walk.h"

namespace hort {

bool TreeDepths::WalkAgain(const Id& tree, size_t depth) {
  auto [it, first] = seen_.try_emplace(tree, Seen{depth, std::nullopt});
  if (first) return true;
  if (it->second.smallest_depth <= depth) return false;
  it->second.smallest_depth = depth;
  return true;
}

void TreeDepths::Loaded(const Id& tree, size_t depth) {
  CloseFrom(depth);
  open_.push_back({tree, depth, {tree, depth}});
}

std::optional<TreeDepths::Reach> TreeDepths::SkippedTooDeep(const Id& tree, size_t depth) {
  CloseFrom(depth);
  auto known = seen_.find(tree);
  if (known == seen_.end() || !known->second.below) return std::nullopt;
  const Reach reach{known->second.below->tree, depth + known->second.below->depth};
  Deepen(reach);
  if (reach.depth <= kMaxTreeDepth) return std::nullopt;
  return reach;
}

void TreeDepths::CloseFrom(size_t depth) {
  while (!open_.empty() && open_.back().depth >= depth) {
    const Open done = open_.back();
    open_.pop_back();
    // Walked trees are in seen_ (WalkAgain); the root of a walk too.
    seen_.try_emplace(done.tree, Seen{done.depth, std::nullopt}).first->second.below =
        Reach{done.deepest.tree, done.deepest.depth - done.depth};
    Deepen(done.deepest);
  }
}

}  // namespace hort
