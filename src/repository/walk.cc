#include "repository/walk.h"

#include <algorithm>

#include "util/hex.h"

namespace hort {

Result<std::vector<Node>> LoadTree(Repository& repo, const Id& tree, TreeNames names) {
  HORT_ASSIGN_OR_RETURN(auto raw, repo.LoadBlob(BlobType::kTree, tree));
  HORT_ASSIGN_OR_RETURN(auto nodes, DecodeTree(AsChars(raw)));
  if (names == TreeNames::kAsStored) return nodes;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (IsUnsafeNodeName(nodes[i].name)) {
      return Status(Code::kCorruption, "tree " + tree.Short() + " contains an unsafe node name \"" +
                                           gojson::QuoteInner(nodes[i].name) + "\"");
    }
    if (i > 0 && !(nodes[i - 1].name < nodes[i].name)) {
      return Status(Code::kCorruption, "tree " + tree.Short() + " is not sorted or has duplicate names");
    }
  }
  return nodes;
}

namespace {
Result<bool> Walk(Repository& repo, const Id& tree, const std::string& prefix, const WalkFn& fn) {
  HORT_ASSIGN_OR_RETURN(auto nodes, LoadTree(repo, tree));
  for (const Node& n : nodes) {
    std::string path = prefix + "/" + n.name;
    WalkAction a = fn(path, n);
    if (a == WalkAction::kStop) return false;
    if (a == WalkAction::kContinue && n.IsDir() && n.subtree) {
      HORT_ASSIGN_OR_RETURN(bool go_on, Walk(repo, *n.subtree, path, fn));
      if (!go_on) return false;
    }
  }
  return true;
}
}  // namespace

Status WalkTree(Repository& repo, const Id& tree, const std::string& prefix, const WalkFn& fn) {
  return Walk(repo, tree, prefix, fn).status();
}

std::vector<std::string> SnapshotPathElements(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(start, end - start);
    start = end + 1;
    if (!part.empty() && part != ".") out.push_back(std::move(part));
  }
  return out;
}

std::string CleanSnapshotPath(const std::string& path) {
  std::string out;
  for (const std::string& part : SnapshotPathElements(path)) out += "/" + part;
  return out;
}

Result<Node> FindNodeAt(Repository& repo, const Id& tree, const std::string& path) {
  Node cur;
  cur.type = "dir";
  cur.name = "/";
  cur.subtree = tree;
  for (const std::string& part : SnapshotPathElements(path)) {
    if (!cur.IsDir() || !cur.subtree) return Status(Code::kNotFound, "path \"" + path + "\" not found: not a directory");
    auto nodes = LoadTree(repo, *cur.subtree);
    // A tree the snapshot names but the repository lacks is damage, not a
    // wrong path: kNotFound stays reserved for "no such path".
    if (!nodes.ok() && nodes.status().code() == Code::kNotFound) {
      return Status(Code::kCorruption, nodes.status().message());
    }
    if (!nodes.ok()) return nodes.status();
    auto it = std::find_if(nodes->begin(), nodes->end(), [&](const Node& n) { return n.name == part; });
    if (it == nodes->end()) return Status(Code::kNotFound, "path \"" + path + "\" not found in snapshot");
    cur = std::move(*it);
  }
  return cur;
}

}  // namespace hort
