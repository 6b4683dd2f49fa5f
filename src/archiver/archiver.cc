// RunBackup's stages, and the walk below the targets: each directory's
// entries, each file handed to the FileSaver, each finished tree. The whole
// per-file path (WalkDir → ProcessEntry → FillXattrs/Unchanged → FileDone →
// DirDone) stays in this one file, so the compiler sees every body of it
// (the build has no LTO); the parts that run once per backup or per target
// are in the files backup.h lists.
#include "archiver/archiver.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "archiver/backup.h"
#include "archiver/fs_node.h"
#include "util/lexical_path.h"
#include "repository/walk.h"
#include "util/crash_point.h"
#include "util/hex.h"

namespace hort {
namespace archiver_internal {

Backup::Backup(Repository& repo, const BackupOptions& opt, BackupObserver* obs)
    : repo_(repo), opt_(opt), obs_(obs), blob_pool_(static_cast<size_t>(WorkersFor(0))),
      saver_(repo, opt.dry_run, blob_pool_, [this](const Status& s) { Fail(s); }) {}

Result<BackupResult> Backup::Run() {
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
  // restic's archiver refuses a snapshot whose root tree is empty (every
  // target excluded or unreadable), dry run or not: nothing is written.
  if (root_empty_) return Status(Code::kInvalidArgument, "unable to save snapshot: snapshot is empty");
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

Backup::DirJob* Backup::NewDir(DirJob* parent, size_t slot, std::string path) {
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

MarkerVerdict Backup::Markers(const std::string& dir) {
  MarkerVerdict v = opt_.excludes.MarkersIn(dir);
  for (const auto& w : v.warnings) {
    if (obs_) obs_->OnWarning(w);
  }
  return v;
}

void Backup::WalkDir(DirJob* d, const std::vector<Node>& old) {
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

void Backup::ProcessEntry(DirJob* d, size_t slot, const std::string& full, const std::string& name,
                             const struct stat& st, const Node* old, bool is_target) {
  // restic's archiver skips sockets as if excluded (no node, no count): a
  // tree holding one would not have restic's ID.
  if (opt_.excludes.ExcludedBySize(st) || S_ISSOCK(st.st_mode)) {
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
  bool had_old = old && old->IsFile();
  if (had_old && Unchanged(*old, n)) {
    // Counted as processed once saved, as restic's summary counts what it
    // completed: a file that cannot be read is an error, not processed.
    files_processed_++;
    bytes_processed_ += n.size;
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

// Listing a file's xattrs is a path lookup and a system call per file, 8 %
// of a no-change backup's CPU. File systems that keep ctime (ext4, xfs,
// btrfs, tmpfs, overlayfs, NFS; not every FUSE daemon) move it whenever
// an xattr or ACL is set or removed, so a file whose ctime, mtime, size
// and inode all match its parent node still has that node's xattrs. The
// ignore flags do not apply: an ignored field means reading them again.
// Which xattrs can be read depends on who reads them (trusted.* needs
// CAP_SYS_ADMIN, an unreadable one is left out) and on the program, so a
// parent written by another uid or program (restic) is read again.
inline Status Backup::FillXattrs(const std::string& full, const Node* old, Node* n) const {
  if (parent_xattrs_comparable_ && n->IsFile() && old && old->IsFile() && SameStatFields(*old, *n)) {
    n->xattrs = old->xattrs;
    return Status::Ok();
  }
  return ReadXattrs(full, n);
}

inline bool Backup::Unchanged(const Node& old, const Node& now) {
  if (!SameStatFields(old, now, opt_.ignore_ctime, opt_.ignore_inode)) return false;
  for (const Id& id : old.content) {
    if (!repo_.index().Has(id, BlobType::kData)) return false;
  }
  return true;
}

inline void Backup::FileDone(DirJob* d, size_t slot, const std::string& path, FileChange change,
                             std::chrono::steady_clock::time_point start, Result<FileContent> content) {
  if (!content.ok()) {
    ItemError(path, "read", content.status());
    d->drop[slot] = 1;
  } else {
    Node& n = d->nodes[slot];
    n.content = std::move(content->blobs);
    n.size = content->size;
    files_processed_++;
    bytes_processed_ += content->size;
    (change == FileChange::kNew ? files_new_ : files_changed_)++;
    if (obs_) {
      obs_->OnItemDone({.path = d->sn_path + "/" + n.name, .change = change, .size = content->size,
                        .added = content->added, .seconds = SecondsSince(start)});
    }
  }
  DirDone(d);
}

void Backup::DirDone(DirJob* d) {
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
  const bool empty = nodes.empty();
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
    root_empty_ = empty;
    root_done_.notify_all();
  }
}

Status Backup::WaitForRoot() {
  std::unique_lock lock(root_mu_);
  root_done_.wait(lock, [&] { return root_tree_.has_value(); });
  lock.unlock();
  saver_.Drain();
  std::lock_guard flock(fatal_mu_);
  return fatal_status_;
}

void Backup::ItemError(const std::string& item, const std::string& during, const Status& s) {
  errors_++;
  if (obs_) obs_->OnError(item, during, s);
}

void Backup::Fail(const Status& s) {
  std::lock_guard lock(fatal_mu_);
  if (fatal_status_.ok()) fatal_status_ = s;
  fatal_ = true;
}

}  // namespace archiver_internal

Result<BackupResult> RunBackup(Repository& repo, const BackupOptions& options, BackupObserver* observer) {
  archiver_internal::Backup backup(repo, options, observer);
  return backup.Run();
}

}  // namespace hort
