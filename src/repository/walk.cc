#include "repository/walk.h"

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

Result<Node> FindNodeAt(Repository& repo, const Id& tree, const std::string& path) {
  Node cur;
  cur.type = "dir";
  cur.name = "/";
  cur.subtree = tree;
  size_t start = 0;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(start, end - start);
    start = end + 1;
    if (part.empty() || part == ".") continue;
    if (!cur.IsDir() || !cur.subtree) return Status(Code::kNotFound, "path \"" + path + "\" not found: not a directory");
    HORT_ASSIGN_OR_RETURN(auto nodes, LoadTree(repo, *cur.subtree));
    bool found = false;
    for (Node& n : nodes) {
      if (n.name == part) {
        cur = std::move(n);
        found = true;
        break;
      }
    }
    if (!found) return Status(Code::kNotFound, "path \"" + path + "\" not found in snapshot");
  }
  return cur;
}

}  // namespace hort
