// Which trees a check walks, and how deep each reaches (kMaxTreeDepth).
// check walks every tree once across all snapshots, but a tree held at
// different depths needs more: walked again where it lies higher (a tree
// first met below the limit was not walked at all), and where it lies
// lower its deepest directory may go beyond the limit, which restore
// refuses for that snapshot.
#pragma once

#include <cstddef>
#include <optional>
#include <unordered_map>
#include <vector>

#include "format/repo_files.h"

namespace hort {

class TreeDepths {
 public:
  // Whether to walk `tree`, met at `depth`: the first time, or higher up
  // than ever before (so no damage below it goes unreported).
  [[nodiscard]] bool WalkAgain(const Id& tree, size_t depth);

  // The deepest tree below a skipped one, where the walk would reach it.
  struct Reach {
    Id tree;
    size_t depth = 0;
  };
  // The walk, depth first, loaded `tree` at `depth`.
  void Loaded(const Id& tree, size_t depth);
  // The walk skipped `tree` at `depth` (WalkAgain said no). Returns where its
  // deepest tree lies from here when that is beyond kMaxTreeDepth; nothing
  // when it is within, or the tree was never loaded (unreadable, or refused
  // where it lay too deep before, and reported there).
  [[nodiscard]] std::optional<Reach> SkippedTooDeep(const Id& tree, size_t depth);
  // The walk of one snapshot ended.
  void WalkEnded() { CloseFrom(0); }

 private:
  struct Open {
    Id tree;
    size_t depth;
    Reach deepest;  // absolute depth
  };
  // A tree loaded (or skipped) at `depth` means every open tree at that
  // depth or below is done: its deepest tree is known.
  void CloseFrom(size_t depth);
  void Deepen(const Reach& reach) {
    if (!open_.empty() && reach.depth > open_.back().deepest.depth) open_.back().deepest = reach;
  }

  struct Seen {
    size_t smallest_depth;        // it was walked at
    std::optional<Reach> below;   // once loaded: its deepest tree, depth relative to it
  };
  std::unordered_map<Id, Seen, IdHash> seen_;
  std::vector<Open> open_;  // the walk's trees not done yet, root first
};

}  // namespace hort
