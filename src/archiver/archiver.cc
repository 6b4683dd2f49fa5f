#include "archiver/archiver.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <spawn.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <chrono>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "archiver/file_saver.h"
#include "archiver/fs_node.h"
#include "repository/walk.h"
#include "util/child_processes.h"
#include "util/crash_point.h"
#include "util/hex.h"
#include "util/parallel.h"
#include "util/thread_pool.h"
#include "util/version.h"

extern char** environ;

namespace hort {

namespace {
// Path components with "." dropped and ".." applied lexically: never above
// the start, or, with keep_leading_up, kept where there is nothing to drop.
std::vector<std::string> CleanComponents(const std::string& path, bool keep_leading_up = false) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(start, end - start);
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (keep_leading_up) {
        parts.push_back(std::move(part));
      }
    } else if (!part.empty() && part != ".") {
      parts.push_back(std::move(part));
    }
    start = end + 1;
  }
  return parts;
}
}  // namespace

std::string LexicalClean(const std::string& path) {
  const bool rooted = !path.empty() && path[0] == '/';
  // A relative path may climb above its start; a rooted one cannot.
  std::vector<std::string> parts = CleanComponents(path, /*keep_leading_up=*/!rooted);
  std::string out = rooted ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "/" : "") + parts[i];
  return out.empty() ? "." : out;
}

std::string AbsolutePath(const std::string& path) {
  std::string full = path;
  if (full.empty() || full[0] != '/') {
    char cwd[4096];
    if (::getcwd(cwd, sizeof(cwd)) == nullptr) return path;
    full = std::string(cwd) + "/" + path;
  }
  std::string out;
  for (const auto& p : CleanComponents(full)) out += "/" + p;
  return out.empty() ? "/" : out;
}

namespace {

// The tree of target paths and their parent directories, as restic nests them.
struct VirtualDir {
  std::map<std::string, VirtualDir> children;
  std::string fs_path;
  bool is_target = false;
};

// The components of a --stdin-filename, cleaned as restic cleans it: "."
// and empty components dropped, ".." applied and never above the root, a
// leading '/' ignored ("/abs/x.sql" and "a/../b" are stored as /abs/x.sql
// and /b). A name that cleans to nothing names no file.
Result<std::vector<std::string>> StdinPathComponents(const std::string& name) {
  std::vector<std::string> parts = CleanComponents(name);
  if (parts.empty()) {
    return Status(Code::kInvalidArgument, "stdin file name \"" + name + "\" names no file");
  }
  return parts;
}

const Node* FindNode(const std::vector<Node>& nodes, const std::string& name) {
  auto it = std::lower_bound(nodes.begin(), nodes.end(), name,
                             [](const Node& n, const std::string& key) { return n.name < key; });
  return it != nodes.end() && it->name == name ? &*it : nullptr;
}

class Backup {
 public:
  Backup(Repository& repo, const BackupOptions& opt, BackupObserver* obs)
      : repo_(repo), opt_(opt), obs_(obs), blob_pool_(static_cast<size_t>(WorkersFor(0))),
        saver_(repo, opt.dry_run, blob_pool_, [this](const Status& s) { Fail(s); }) {}

  Result<BackupResult> Run() {
    auto start = std::chrono::steady_clock::now();
    result_.summary.backup_start = gojson::Now();
    {
      ScopedStageTimer t(&result_.stage_times, "select parent");
      HORT_RETURN_IF_ERROR(SelectParent());
    }
    if (obs_) obs_->OnParent(result_.parent);
    {
      ScopedStageTimer t(&result_.stage_times, "walk+read+chunk");
      HORT_RETURN_IF_ERROR(opt_.from_stdin ? ReadStdin() : WalkTargets());
    }
    {
      ScopedStageTimer t(&result_.stage_times, "wait for trees");
      HORT_RETURN_IF_ERROR(WaitForRoot());
    }
    {
      ScopedStageTimer t(&result_.stage_times, "flush packs+index");
      if (!opt_.dry_run) HORT_RETURN_IF_ERROR(repo_.Flush());
    }
    CrashPoint("backup:before-snapshot");
    {
      ScopedStageTimer t(&result_.stage_times, "write snapshot");
      HORT_RETURN_IF_ERROR(WriteSnapshot());
    }
    result_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return std::move(result_);
  }

 private:
  struct DirJob {
    std::string path;
    std::vector<Node> nodes;
    std::vector<char> drop;
    std::atomic<int> pending{1};  // the walker's hold until listing is complete
    DirJob* parent = nullptr;
    size_t slot = 0;
    std::optional<Id> old_tree;
    bool existed_before = false;
    bool unreadable = false;  // left out of its parent, as restic does, not stored empty
    std::string sn_path;      // its path in the snapshot ("" for the root)
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    dev_t device = 0;  // of the target this directory is under
  };

  Status SelectParent() {
    std::string host = opt_.host;
    if (host.empty()) {
      char buf[256] = {};
      ::gethostname(buf, sizeof(buf) - 1);
      host = buf;
    }
    host_ = host;
    if (!opt_.from_stdin) HORT_RETURN_IF_ERROR(FilterExisting());
    for (const auto& t : record_as_.empty() ? targets_ : record_as_) paths_.push_back(AbsolutePath(t));
    if (opt_.from_stdin) {
      HORT_ASSIGN_OR_RETURN(std::vector<std::string> parts, StdinPathComponents(opt_.stdin_filename));
      std::string path;
      for (const auto& part : parts) path += "/" + part;
      paths_ = {path};
    }
    // Recorded in the order given, as restic records them; a parent is one
    // with the same set.
    std::vector<std::string> sorted_paths = paths_;
    std::sort(sorted_paths.begin(), sorted_paths.end());
    if (opt_.force) return Status::Ok();
    std::optional<Snapshot> parent;
    if (opt_.parent) {
      HORT_ASSIGN_OR_RETURN(Snapshot s, repo_.FindSnapshot(*opt_.parent));
      parent = s;
    } else {
      HORT_ASSIGN_OR_RETURN(auto all, repo_.LoadSnapshots());
      for (auto it = all.rbegin(); it != all.rend(); ++it) {
        if (InSeries(*it, host_, sorted_paths)) {
          parent = *it;
          break;
        }
      }
    }
    if (parent) {
      result_.parent = parent->id;
      parent_xattrs_comparable_ = parent->program_version == kHortProgramVersion && parent->uid == ::getuid();
      auto nodes = LoadTree(repo_, parent->tree, TreeNames::kAsStored);
      if (nodes.ok()) parent_root_ = std::move(*nodes);
    }
    return Status::Ok();
  }

  // restic's filterExisting: a target that does not exist is warned about
  // and skipped (and not recorded in the snapshot's paths); the rest is
  // backed up. Unlike restic 0.14 (exit 0) this counts as an unreadable item,
  // so the run exits 3 as restic does since 0.18.1: a backup missing a path is
  // never green. None existing is fatal.
  Status FilterExisting() {
    if (!opt_.record_as.empty() && opt_.record_as.size() != opt_.targets.size()) {
      return Status(Code::kInvalidArgument, "record_as needs one path per target");
    }
    for (size_t i = 0; i < opt_.targets.size(); ++i) {
      // Looked up as given, then cleaned as restic cleans a target: `link/`
      // and `link/.` name the symlink itself, which is stored as a symlink,
      // not followed. Cleaned first, "" became "." and `missing/..` its
      // parent, and a backup of an unset "$VAR" took the current folder.
      std::string target = LexicalClean(opt_.targets[i]);
      struct stat st;
      if (::lstat(opt_.targets[i].c_str(), &st) != 0 && errno == ENOENT) {
        errors_++;
        if (obs_) obs_->OnWarning(opt_.targets[i] + " does not exist, skipping");
        continue;
      }
      targets_.push_back(std::move(target));
      if (!opt_.record_as.empty()) record_as_.push_back(opt_.record_as[i]);
    }
    if (targets_.empty() && !opt_.targets.empty()) {
      return Status(Code::kInvalidArgument, "all target directories/files do not exist");
    }
    return Status::Ok();
  }

  std::vector<Node> OldChildren(const Node* old) {
    if (!old || !old->IsDir() || !old->subtree) return {};
    return OldChildren(*old->subtree);
  }
  std::vector<Node> OldChildren(const Id& old_tree) {
    auto nodes = LoadTree(repo_, old_tree, TreeNames::kAsStored);
    return nodes.ok() ? std::move(*nodes) : std::vector<Node>{};
  }

  Status WalkTargets() {
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

  DirJob* NewDir(DirJob* parent, size_t slot, std::string path) {
    DirJob* d;
    {
      std::lock_guard lock(dirs_mu_);
      dirs_.push_back(std::make_unique<DirJob>());
      d = dirs_.back().get();
    }
    d->parent = parent;
    d->slot = slot;
    d->path = std::move(path);
    return d;
  }

  void WalkVirtual(DirJob* d, VirtualDir& v, const std::vector<Node>& old) {
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
  bool TargetExcluded(const std::string& fs_path) {
    std::string abs = AbsolutePath(fs_path);
    if (HasPatterns() && opt_.excludes.ExcludedByPattern(abs)) return true;
    if (!opt_.excludes.HasMarkers() || abs == "/") return false;
    size_t cut = abs.rfind('/');
    return Markers(cut == 0 ? "/" : abs.substr(0, cut)).Excludes(abs.substr(cut + 1));
  }
  bool HasPatterns() const { return !opt_.excludes.patterns.empty() || !opt_.excludes.ipatterns.empty(); }
  MarkerVerdict Markers(const std::string& dir) {
    MarkerVerdict v = opt_.excludes.MarkersIn(dir);
    for (const auto& w : v.warnings) {
      if (obs_) obs_->OnWarning(w);
    }
    return v;
  }

  void WalkDir(DirJob* d, const std::vector<Node>& old) {
    std::vector<std::string> names;
    DIR* dir = ::opendir(d->path.c_str());
    if (!dir) {
      ItemError(d->path, "read directory", ErrnoStatus("open " + d->path, errno));
      d->unreadable = true;
      return;
    }
    // Kept open for the lstat of each entry: relative to the directory the
    // kernel looks up one name, not every component of the full path again.
    // Path lookups are about 5 % of a first backup's CPU on a copy of /usr
    // (lstat, llistxattr and open each walk the path); this cut a fifth.
    // (An entry whose full path exceeds PATH_MAX now fails at its xattrs or
    // its open instead of its lstat: still one item error.)
    std::unique_ptr<DIR, int (*)(DIR*)> open_dir(dir, ::closedir);
    while (dirent* e = ::readdir(dir)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(std::move(n));
    }
    std::sort(names.begin(), names.end());
    // Drop excluded names before sizing the node list.
    std::vector<std::string> kept;
    MarkerVerdict markers;
    // By absolute path, as restic selects by it: a warning about a marker
    // names the file wherever hort was started.
    if (opt_.excludes.HasMarkers()) markers = Markers(AbsolutePath(d->path));
    for (auto& n : names) {
      std::string full = d->path == "/" ? "/" + n : d->path + "/" + n;
      if (HasPatterns() && opt_.excludes.ExcludedByPattern(AbsolutePath(full))) continue;
      if (markers.Excludes(n)) continue;
      kept.push_back(std::move(n));
    }
    d->nodes.resize(kept.size());
    d->drop.assign(kept.size(), 0);
    for (size_t slot = 0; slot < kept.size(); ++slot) {
      if (fatal_.load()) return;
      const std::string& name = kept[slot];
      std::string full = d->path == "/" ? "/" + name : d->path + "/" + name;
      struct stat st;
      if (::fstatat(::dirfd(dir), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        ItemError(full, "lstat", ErrnoStatus("lstat " + full, errno));
        d->drop[slot] = 1;
        continue;
      }
      ProcessEntry(d, slot, full, name, st, FindNode(old, name), false);
    }
  }

  void ProcessEntry(DirJob* d, size_t slot, const std::string& full, const std::string& name,
                    const struct stat& st, const Node* old, bool is_target) {
    if (opt_.excludes.ExcludedBySize(st)) {
      d->drop[slot] = 1;
      return;
    }
    Node n;
    Status s = NodeFromStatWithoutXattrs(full, name, st, opt_.with_atime, &n);
    if (s.ok()) s = FillXattrs(full, old, &n);
    if (!s.ok()) {
      ItemError(full, "metadata", s);
      d->drop[slot] = 1;
      return;
    }
    if (n.IsDir()) {
      d->nodes[slot] = std::move(n);
      DirJob* c = NewDir(d, slot, full);
      c->sn_path = d->sn_path + "/" + name;
      c->existed_before = old && old->IsDir();
      if (c->existed_before) c->old_tree = old->subtree;
      d->pending++;
      c->device = is_target ? st.st_dev : d->device;  // --one-file-system stays on the target's device
      bool other_device = opt_.excludes.one_file_system && st.st_dev != c->device;
      if (other_device) {
        DirDone(c);
        return;
      }
      // Subdirectories are walked on their own threads: comparing an
      // unchanged file with its parent node (lstat, xattrs, the node, the
      // old tree's JSON) is all work of the walker, which alone would keep
      // a no-change backup on one core. `old` dies with the caller's list.
      walk_pool_.Submit([this, c, old_tree = c->old_tree] {
        WalkDir(c, old_tree ? OldChildren(*old_tree) : std::vector<Node>{});
        DirDone(c);
      });
      return;
    }
    if (!n.IsFile()) {
      d->nodes[slot] = std::move(n);
      return;
    }
    files_processed_++;
    bytes_processed_ += n.size;
    bool had_old = old && old->IsFile();
    if (had_old && Unchanged(*old, n)) {
      n.content = old->content;
      d->nodes[slot] = std::move(n);
      files_unmodified_++;
      if (obs_) obs_->OnItemDone({.path = d->sn_path + "/" + name, .change = FileChange::kUnmodified, .size = n.size});
      return;
    }
    d->nodes[slot] = std::move(n);
    d->pending++;
    FileChange change = had_old ? FileChange::kChanged : FileChange::kNew;
    auto start = std::chrono::steady_clock::now();
    saver_.SaveFile(full, -1, st.st_size > 0 ? static_cast<uint64_t>(st.st_size) : 0,
                    [this, d, slot, full, change, start](Result<FileContent> content) {
                      FileDone(d, slot, full, change, start, std::move(content));
                    });
  }

  static double SecondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  // Listing a file's xattrs is a path lookup and a system call per file, 8 %
  // of a no-change backup's CPU. File systems that keep ctime (ext4, xfs,
  // btrfs, tmpfs, overlayfs, NFS; not every FUSE daemon) move it whenever
  // an xattr or ACL is set or removed, so a file whose ctime, mtime, size
  // and inode all match its parent node still has that node's xattrs. The
  // ignore flags do not apply: an ignored field means reading them again.
  // Which xattrs can be read depends on who reads them (trusted.* needs
  // CAP_SYS_ADMIN, an unreadable one is left out) and on the program, so a
  // parent written by another uid or program (restic) is read again.
  Status FillXattrs(const std::string& full, const Node* old, Node* n) const {
    if (parent_xattrs_comparable_ && n->IsFile() && old && old->IsFile() && SameStatFields(*old, *n)) {
      n->xattrs = old->xattrs;
      return Status::Ok();
    }
    return ReadXattrs(full, n);
  }

  // mtime and size always; ctime and inode unless ignored.
  static bool SameStatFields(const Node& old, const Node& now, bool ignore_ctime = false, bool ignore_inode = false) {
    if (old.mtime.sec != now.mtime.sec || old.mtime.nsec != now.mtime.nsec) return false;
    if (!ignore_ctime && (old.ctime.sec != now.ctime.sec || old.ctime.nsec != now.ctime.nsec)) return false;
    return old.size == now.size && (ignore_inode || old.inode == now.inode);
  }

  bool Unchanged(const Node& old, const Node& now) {
    if (!SameStatFields(old, now, opt_.ignore_ctime, opt_.ignore_inode)) return false;
    for (const Id& id : old.content) {
      if (!repo_.index().Has(id, BlobType::kData)) return false;
    }
    return true;
  }

  void FileDone(DirJob* d, size_t slot, const std::string& path, FileChange change,
                std::chrono::steady_clock::time_point start, Result<FileContent> content) {
    if (!content.ok()) {
      ItemError(path, "read", content.status());
      d->drop[slot] = 1;
    } else {
      Node& n = d->nodes[slot];
      n.content = std::move(content->blobs);
      n.size = content->size;
      (change == FileChange::kNew ? files_new_ : files_changed_)++;
      if (obs_) {
        obs_->OnItemDone({.path = d->sn_path + "/" + n.name, .change = change, .size = content->size,
                          .added = content->added, .seconds = SecondsSince(start)});
      }
    }
    DirDone(d);
  }

  void DirDone(DirJob* d) {
    if (--d->pending != 0) return;
    if (d->unreadable && d->parent) {
      // Its slot is the parent's alone; the parent reads it only after
      // this release.
      d->parent->drop[d->slot] = 1;
      DirDone(d->parent);
      return;
    }
    std::vector<Node> nodes;
    nodes.reserve(d->nodes.size());
    for (size_t i = 0; i < d->nodes.size(); ++i) {
      if (!d->drop[i]) nodes.push_back(std::move(d->nodes[i]));
    }
    // The moved-from slots still occupy sizeof(Node) each (~420 bytes): a
    // finished directory must not keep them until the backup ends, or a
    // million files hold 400 MB for nothing.
    std::vector<Node>().swap(d->nodes);
    std::vector<char>().swap(d->drop);
    std::string tree = EncodeTree(nodes);
    nodes = std::vector<Node>();
    Id id = Id::Hash(AsBytes(tree));
    auto fresh = saver_.SaveTree(id, tree);
    if (!fresh.ok()) Fail(fresh.status());
    if (d->parent) {
      FileChange change = !d->existed_before                      ? FileChange::kNew
                          : d->old_tree && *d->old_tree == id ? FileChange::kUnmodified
                                                              : FileChange::kChanged;
      (change == FileChange::kNew ? dirs_new_ : change == FileChange::kChanged ? dirs_changed_ : dirs_unmodified_)++;
      if (obs_) {
        obs_->OnItemDone({.path = d->sn_path + "/", .dir = true, .change = change,
                          .metadata = fresh.ok() ? *fresh : 0, .seconds = SecondsSince(d->start)});
      }
      d->parent->nodes[d->slot].subtree = id;
      DirDone(d->parent);
    } else {
      std::lock_guard lock(root_mu_);
      root_tree_ = id;
      root_done_.notify_all();
    }
  }

  // The stdin file's node and the directory nodes above it (stdin_filename
  // "a/b/f" → root → a → b → f), each directory a DirJob whose only child
  // is the next; the file's completion saves them bottom-up.
  Status ReadStdin() {
    HORT_ASSIGN_OR_RETURN(std::vector<std::string> parts, StdinPathComponents(opt_.stdin_filename));
    const bool stable = opt_.stdin_stable_time.has_value();
    const gojson::Timestamp now = stable ? *opt_.stdin_stable_time : gojson::Now();
    auto owned = [&](Node& n) {
      n.mtime = n.atime = n.ctime = now;
      if (stable) return;  // uid/gid 0, no names
      n.uid = ::getuid();
      n.gid = ::getgid();
      n.user = UserName(n.uid);
      n.group = GroupName(n.gid);
    };
    root_ = NewDir(nullptr, 0, "");
    DirJob* d = root_;
    std::vector<Node> old = parent_root_;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      d->nodes.resize(1);
      d->drop.assign(1, 0);
      Node& dir = d->nodes[0];
      dir.name = parts[i];
      dir.type = "dir";
      dir.mode = gomode::kDir | (stable ? 0700u : 0755u);
      owned(dir);
      DirJob* c = NewDir(d, 0, d->path + "/" + parts[i]);
      const Node* old_node = FindNode(old, parts[i]);
      c->existed_before = old_node && old_node->IsDir();
      if (c->existed_before) c->old_tree = old_node->subtree;
      old = OldChildren(old_node);
      d = c;  // its pending hold is released by the child's DirDone
    }
    d->nodes.resize(1);
    d->drop.assign(1, 0);
    Node& n = d->nodes[0];
    n.name = parts.back();
    n.type = "file";
    n.mode = stable ? 0600 : 0644;
    owned(n);
    int fd = opt_.stdin_fd;
    pid_t child = -1;
    if (!opt_.stdin_command.empty()) {
      int fds[2];
      if (::pipe2(fds, O_CLOEXEC) != 0) return ErrnoStatus("pipe", errno);
      posix_spawn_file_actions_t fa;
      posix_spawn_file_actions_init(&fa);
      posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
      std::vector<char*> argv;
      for (const auto& a : opt_.stdin_command) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      int rc = posix_spawnp(&child, argv[0], &fa, nullptr, argv.data(), environ);
      posix_spawn_file_actions_destroy(&fa);
      ::close(fds[1]);
      if (rc != 0) {
        ::close(fds[0]);
        return Status(Code::kInvalidArgument, "cannot start command '" + opt_.stdin_command[0] + "': " + std::strerror(rc));
      }
      ChildStarted(child, /*own_group=*/false);  // in hort's group: a terminal's Ctrl-C reaches it, as restic's
      fd = fds[0];
    }
    std::promise<Result<FileContent>> done;
    saver_.SaveFile(opt_.stdin_filename, fd, 1 << 20, [&](Result<FileContent> c) { done.set_value(std::move(c)); });
    auto content = done.get_future().get();
    if (child > 0) {
      ::close(fd);
      int wstatus = 0;
      ::waitpid(child, &wstatus, 0);
      ChildReaped(child);
      if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
        int code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
        return Status(Code::kInvalidArgument, "command '" + opt_.stdin_command[0] + "' failed with exit status " +
                                                  std::to_string(code) + "; no snapshot written");
      }
    }
    if (!content.ok()) {
      // The reading side failed (a store error): that is the cause to report;
      // the producer is only stopped.
      if (opt_.stdin_done) (void)opt_.stdin_done();
      return content.status().Annotate("reading stdin");
    }
    if (opt_.stdin_done) HORT_RETURN_IF_ERROR(opt_.stdin_done());
    // restic refuses it too (its stdin reader does not allow an empty file):
    // a dump that wrote nothing is a failed dump, not a backup.
    if (content->size == 0) return Status(Code::kInvalidArgument, "reading stdin: no data read; no snapshot written");
    n.content = std::move(content->blobs);
    n.size = content->size;
    result_.summary.total_files_processed = 1;
    result_.summary.total_bytes_processed = n.size;
    // As restic tracks it: the parent's node at this path decides.
    const Node* old_file = FindNode(old, n.name);
    if (!old_file || !old_file->IsFile()) {
      files_new_++;
    } else {
      std::string a, b;
      EncodeNode(*old_file, &a);
      EncodeNode(n, &b);
      (a == b ? files_unmodified_ : files_changed_)++;
    }
    DirDone(d);
    return Status::Ok();
  }

  Status WaitForRoot() {
    std::unique_lock lock(root_mu_);
    root_done_.wait(lock, [&] { return root_tree_.has_value(); });
    lock.unlock();
    saver_.Drain();
    std::lock_guard flock(fatal_mu_);
    return fatal_status_;
  }

  Status WriteSnapshot() {
    SnapshotSummary& m = result_.summary;
    m.backup_end = gojson::Now();
    if (!opt_.from_stdin) {
      m.total_files_processed = files_processed_;
      m.total_bytes_processed = bytes_processed_;
    }
    m.files_new = files_new_;
    m.files_changed = files_changed_;
    m.files_unmodified = files_unmodified_;
    m.dirs_new = dirs_new_;
    m.dirs_changed = dirs_changed_;
    m.dirs_unmodified = dirs_unmodified_;
    m.data_blobs = repo_.stats().data_blobs + saver_.dry_data_blobs();
    m.tree_blobs = repo_.stats().tree_blobs + saver_.dry_tree_blobs();
    m.data_added = repo_.stats().data_added + saver_.dry_bytes();
    m.data_added_packed = repo_.stats().data_added_packed + saver_.dry_stored();
    result_.tree = *root_tree_;
    result_.errors = errors_;
    if (opt_.dry_run) return Status::Ok();
    Snapshot snap;
    snap.time = opt_.time.value_or(m.backup_start);
    snap.parent = result_.parent;
    snap.tree = *root_tree_;
    snap.paths = paths_;
    snap.hostname = host_;
    snap.username = UserName(::getuid());
    snap.uid = ::getuid();
    snap.gid = ::getgid();
    snap.excludes = opt_.exclude_strings;
    snap.tags = opt_.tags;
    snap.program_version = kHortProgramVersion;
    snap.summary = m;
    HORT_ASSIGN_OR_RETURN(result_.snapshot_id, repo_.SaveUnpacked(FileType::kSnapshot, EncodeSnapshot(snap)));
    return Status::Ok();
  }

  void ItemError(const std::string& item, const std::string& during, const Status& s) {
    errors_++;
    if (obs_) obs_->OnError(item, during, s);
  }

  void Fail(const Status& s) {
    std::lock_guard lock(fatal_mu_);
    if (fatal_status_.ok()) fatal_status_ = s;
    fatal_ = true;
  }

  Repository& repo_;
  const BackupOptions& opt_;
  BackupObserver* obs_;
  ThreadPool blob_pool_;
  FileSaver saver_;
  BackupResult result_;
  std::string host_;
  std::vector<std::string> paths_;
  std::vector<std::string> targets_, record_as_;  // the targets that exist (FilterExisting)
  std::vector<Node> parent_root_;
  // The parent was written by this program as this uid: its xattrs were
  // read as this backup would read them (FillXattrs).
  bool parent_xattrs_comparable_ = false;
  std::mutex dirs_mu_;
  std::deque<std::unique_ptr<DirJob>> dirs_;
  DirJob* root_ = nullptr;

  std::mutex root_mu_;
  std::condition_variable root_done_;
  std::optional<Id> root_tree_;

  std::mutex fatal_mu_;
  Status fatal_status_;
  std::atomic<bool> fatal_{false};

  std::atomic<uint64_t> files_new_{0}, files_changed_{0}, files_unmodified_{0};
  std::atomic<uint64_t> dirs_new_{0}, dirs_changed_{0}, dirs_unmodified_{0};
  std::atomic<uint64_t> errors_{0};
  std::atomic<uint64_t> files_processed_{0}, bytes_processed_{0};
  ThreadPool walk_pool_{static_cast<size_t>(WorkersFor(0))};  // last: joined first
};

}  // namespace

Result<BackupResult> RunBackup(Repository& repo, const BackupOptions& options, BackupObserver* observer) {
  Backup backup(repo, options, observer);
  return backup.Run();
}

}  // namespace hort
