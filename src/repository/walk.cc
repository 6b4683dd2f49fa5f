#include "repository/walk.h"

#include "util/hex.h"

namespace hort {

Result<std::vector<Node>> LoadTree(Repository& repo, const Id& tree) {
  HORT_ASSIGN_OR_RETURN(auto raw, repo.LoadBlob(BlobType::kTree, tree));
  return DecodeTree(AsChars(raw));
}

namespace {
Result<bool> Walk(Repository& repo, const Id& tree, const std::string& prefix, const WalkFn& fn) {
  HORT_ASSIGN_OR_RETURN(auto nodes, LoadTree(repo, tree));
  for (const Node& n : nodes) {
    if (IsUnsafeNodeName(n.name)) return Status(Code::kCorruption, "tree " + tree.Short() + " has an unsafe node name");
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
