#include "repository/walk.h"

#include <algorithm>

#include "util/hex.h"

namespace hort {

Result<std::vector<Node>> LoadTree(Repository& repo, const Id& tree, TreeNames names) {
  HORT_ASSIGN_OR_RETURN(auto raw, repo.LoadBlob(BlobType::kTree, tree));
  return DecodeLoadedTree(tree, raw, names);
}

Result<std::vector<Node>> DecodeLoadedTree(const Id& tree, std::span<const uint8_t> raw, TreeNames names) {
  HORT_ASSIGN_OR_RETURN(auto nodes, DecodeTree(AsChars(raw)));
  if (names == TreeNames::kChecked) HORT_RETURN_IF_ERROR(CheckTreeNames(tree, nodes));
  return nodes;
}

Status TreeTooDeep(const Id& tree, size_t depth) {
  return Status(Code::kCorruption, "tree " + tree.Short() + " lies " + std::to_string(depth) +
                                       " directories deep, deeper than the " + std::to_string(kMaxTreeDepth) +
                                       " hort follows (a damaged or crafted repository)");
}

Status WalkTreeIn(Repository& repo, const Id& tree, const std::string& prefix, const WalkInFn& fn,
                  const WalkOptions& options) {
  // One frame per open directory, the path of the node at hand in one
  // string: memory grows with the depth, never the call stack.
  struct Frame {
    Id tree;
    std::vector<Node> nodes;
    size_t next = 0;
    size_t path_length = 0;  // of the directory's own path
  };
  std::vector<Frame> stack;
  std::string path = prefix;
  // Ok with the tree pushed, Ok without it (skipped), or the walk's end.
  auto open = [&](const Id& id) -> Status {
    Result<std::vector<Node>> nodes = stack.size() > kMaxTreeDepth ? Result<std::vector<Node>>(TreeTooDeep(id, stack.size()))
                                                                     : LoadTree(repo, id, options.names);
    if (!nodes.ok()) {
      return options.go_on_without && options.go_on_without(id, path, nodes.status()) ? Status::Ok() : nodes.status();
    }
    if (options.loaded) options.loaded(id, path, *nodes);
    stack.push_back({id, std::move(*nodes), 0, path.size()});
    return Status::Ok();
  };
  HORT_RETURN_IF_ERROR(open(tree));
  while (!stack.empty()) {
    Frame& f = stack.back();
    if (f.next == f.nodes.size()) {
      stack.pop_back();
      continue;
    }
    const Node& n = f.nodes[f.next++];
    path.resize(f.path_length);
    path.append("/").append(n.name);
    WalkAction a = fn(f.tree, path, n);
    if (a == WalkAction::kStop) return Status::Ok();
    if (a == WalkAction::kContinue && n.IsDir() && n.subtree) HORT_RETURN_IF_ERROR(open(Id(*n.subtree)));  // `f`, `n` invalid now
  }
  return Status::Ok();
}

Status WalkTreeIn(Repository& repo, const Id& tree, const std::string& prefix, const WalkInFn& fn) {
  return WalkTreeIn(repo, tree, prefix, fn, WalkOptions{});
}

Status WalkTree(Repository& repo, const Id& tree, const std::string& prefix, const WalkFn& fn) {
  return WalkTreeIn(repo, tree, prefix, [&fn](const Id&, const std::string& path, const Node& n) { return fn(path, n); });
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
