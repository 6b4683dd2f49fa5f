// The targets and the folders above them, as restic nests them: each
// target below the folders of its path (or of the path it is recorded
// under), each such folder a directory of the snapshot. Runs once per
// target; what lies below a target is archiver.cc's walk.
#include <sys/stat.h>

#include <cerrno>
#include <string>
#include <vector>

#include "archiver/backup.h"
#include "archiver/fs_node.h"
#include "util/lexical_path.h"

namespace hort::archiver_internal {

Status Backup::WalkTargets() {
  if (targets_.empty()) return Status(Code::kInvalidArgument, "nothing to back up: no paths given");
  VirtualDir root;
  for (size_t i = 0; i < targets_.size(); ++i) {
    const std::string& target = targets_[i];
    bool mapped = !record_as_.empty();
    const std::string& recorded = mapped ? record_as_[i] : target;
    // Directories above a mapped target take their metadata from the
    // target's real parent: the recorded ones need not exist here.
    std::string real_parent = AbsolutePath(target + "/..");
    auto parts = CleanComponents(recorded);
    VirtualDir* v = &root;
    std::string prefix = !recorded.empty() && recorded[0] == '/' ? "" : ".";
    for (const auto& part : parts) {
      prefix = prefix == "." ? part : prefix + "/" + part;
      v = &v->children[part];
      v->fs_path = mapped ? real_parent : prefix;
    }
    v->fs_path = target;
    v->is_target = true;
  }
  root_ = NewDir(nullptr, 0, "");
  if (root.is_target) {
    root_->path = root.fs_path;
    struct stat st;
    if (::lstat(root.fs_path.c_str(), &st) == 0) root_->device = st.st_dev;
    WalkDir(root_, parent_root_);
  } else {
    WalkVirtual(root_, root, parent_root_);
  }
  DirDone(root_);
  return Status::Ok();
}

void Backup::WalkVirtual(DirJob* d, VirtualDir& v, const std::vector<Node>& old) {
  d->nodes.resize(v.children.size());
  d->drop.assign(v.children.size(), 0);
  size_t slot = 0;
  for (auto& [name, child] : v.children) {
    struct stat st;
    const Node* old_node = FindNode(old, name);
    // A folder above a target is the folder the path goes through, so it
    // is taken with stat: for `link/f` (link -> data/a) or
    // `/proc/self/status` the node is the folder that holds the target,
    // as in restic's statDir. lstat made it a symlink node, and the
    // subtree below it, target included, was lost without an error.
    const bool above_target = !child.is_target;
    if ((above_target ? ::stat(child.fs_path.c_str(), &st) : ::lstat(child.fs_path.c_str(), &st)) != 0) {
      const char* call = above_target ? "stat" : "lstat";
      ItemError(child.fs_path, call, ErrnoStatus(std::string(call) + " " + child.fs_path, errno));
      d->drop[slot++] = 1;
      continue;
    }
    if (above_target && !S_ISDIR(st.st_mode)) {
      ItemError(child.fs_path, "stat",
                Status(Code::kInvalidArgument, "path is not a directory: " + child.fs_path));
      d->drop[slot++] = 1;
      continue;
    }
    if (child.is_target) {
      if (TargetExcluded(child.fs_path)) {
        d->drop[slot++] = 1;
        continue;
      }
      ProcessEntry(d, slot, child.fs_path, name, st, old_node, /*is_target=*/true);
    } else {
      Node n;
      // The trailing slash makes llistxattr read the folder's own
      // xattrs when the path is a symlink to it.
      Status s = NodeFromStat(child.fs_path + "/", name, st, opt_.with_atime, &n);
      if (!s.ok()) ItemError(child.fs_path, "metadata", s);
      d->nodes[slot] = std::move(n);
      DirJob* c = NewDir(d, slot, child.fs_path);
      c->sn_path = d->sn_path + "/" + name;
      c->existed_before = old_node && old_node->IsDir();
      if (c->existed_before) c->old_tree = old_node->subtree;
      d->pending++;
      WalkVirtual(c, child, OldChildren(old_node));
      DirDone(c);
    }
    ++slot;
  }
}

// restic runs its name rules on each target too: patterns on the absolute
// path, markers in the directory that holds it.
bool Backup::TargetExcluded(const std::string& fs_path) {
  std::string abs = AbsolutePath(fs_path);
  if (HasPatterns() && opt_.excludes.ExcludedByPattern(abs)) return true;
  if (!opt_.excludes.HasMarkers() || abs == "/") return false;
  size_t cut = abs.rfind('/');
  return Markers(cut == 0 ? "/" : abs.substr(0, cut)).Excludes(abs.substr(cut + 1));
}

}  // namespace hort::archiver_internal
