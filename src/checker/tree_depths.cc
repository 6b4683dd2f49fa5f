#include "checker/tree_depths.h"

#include "repository/walk.h"

namespace hort {

bool TreeDepths::WalkAgain(const Id& tree, size_t depth) {
  auto [it, first] = smallest_depth_.try_emplace(tree, depth);
  if (first) return true;
  if (it->second <= depth) return false;
  it->second = depth;
  return true;
}

void TreeDepths::Loaded(const Id& tree, size_t depth) {
  CloseFrom(depth);
  open_.push_back({tree, depth, {tree, depth}});
}

std::optional<TreeDepths::Reach> TreeDepths::SkippedTooDeep(const Id& tree, size_t depth) {
  CloseFrom(depth);
  auto known = below_.find(tree);
  if (known == below_.end()) return std::nullopt;
  const Reach reach{known->second.tree, depth + known->second.depth};
  Deepen(reach);
  if (reach.depth <= kMaxTreeDepth) return std::nullopt;
  return reach;
}

void TreeDepths::CloseFrom(size_t depth) {
  while (!open_.empty() && open_.back().depth >= depth) {
    const Open done = open_.back();
    open_.pop_back();
    below_[done.tree] = {done.deepest.tree, done.deepest.depth - done.depth};
    Deepen(done.deepest);
  }
}

}  // namespace hort
