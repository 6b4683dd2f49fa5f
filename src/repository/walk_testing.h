// For tests and test fixtures: trees as a broken or hostile writer stores
// them, built through the repository API (no file system could hold them).
#pragma once

#include <string>
#include <vector>

#include "format/snapshot.h"
#include "format/tree.h"
#include "repository/repository.h"
#include "util/hex.h"

namespace hort {

// Stores `nodes` as one tree blob in the order given; returns its ID.
[[nodiscard]] inline Result<Id> SaveTreeAsIs(Repository& repo, const std::vector<Node>& nodes) {
  const std::string text = EncodeTree(nodes);
  const Id id = Id::Hash(AsBytes(text));
  HORT_RETURN_IF_ERROR(repo.SaveBlob(BlobType::kTree, id, AsBytes(text)).status());
  return id;
}

// A directory node named `name` listing `subtree`.
[[nodiscard]] inline Node DirNode(const std::string& name, const Id& subtree) {
  Node n;
  n.name = name;
  n.type = "dir";
  n.mode = gomode::kDir | 0755;
  n.subtree = subtree;
  return n;
}

// `depth` directories "d", each inside the one before, the last empty:
// returns the root tree (the deepest tree lies `depth` directories down).
[[nodiscard]] inline Result<Id> SaveDeepTree(Repository& repo, size_t depth) {
  HORT_ASSIGN_OR_RETURN(Id tree, SaveTreeAsIs(repo, {}));
  for (size_t i = 0; i < depth; ++i) {
    HORT_ASSIGN_OR_RETURN(tree, SaveTreeAsIs(repo, {DirNode("d", tree)}));
  }
  return tree;
}

// Flushes the repository and saves a snapshot of `tree` (path /data); returns its ID.
[[nodiscard]] inline Result<Id> SaveSnapshotOf(Repository& repo, const Id& tree) {
  HORT_RETURN_IF_ERROR(repo.Flush());
  Snapshot s;
  s.time = gojson::Now();
  s.tree = tree;
  s.paths = {"/data"};
  s.hostname = "host";
  s.username = "test";
  return repo.SaveUnpacked(FileType::kSnapshot, EncodeSnapshot(s));
}

}  // namespace hort
