// One run of RunBackup, shared by the files that implement it (this
// library's own; nothing outside src/archiver includes it):
//   archiver.cc       the run's stages, and the walk below each target: every
//                     directory entry, file and finished tree (the per-file path)
//   select_parent.cc  before the walk: the targets that exist, the paths the
//                     snapshot records, the parent snapshot
//   walk_targets.cc   the targets and the folders above them (per target)
//   stdin_backup.cc   --stdin and --stdin-from-command instead of a walk
//   write_snapshot.cc after the walk: the summary and the snapshot file
#pragma once

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "archiver/archiver.h"
#include "archiver/file_saver.h"
#include "format/tree.h"
#include "repository/walk.h"
#include "util/parallel.h"
#include "util/thread_pool.h"

namespace hort::archiver_internal {

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
[[nodiscard]] Result<std::vector<std::string>> StdinPathComponents(const std::string& name);

// The node called `name` among `nodes` (sorted by name, as a tree holds them).
[[nodiscard]] inline const Node* FindNode(const std::vector<Node>& nodes, const std::string& name) {
  auto it = std::lower_bound(nodes.begin(), nodes.end(), name,
                             [](const Node& n, const std::string& key) { return n.name < key; });
  return it != nodes.end() && it->name == name ? &*it : nullptr;
}

class Backup {
 public:
  Backup(Repository& repo, const BackupOptions& opt, BackupObserver* obs);

  Result<BackupResult> Run();

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

  // select_parent.cc
  Status SelectParent();
  Status FilterExisting();

  // walk_targets.cc
  Status WalkTargets();
  void WalkVirtual(DirJob* d, VirtualDir& v, const std::vector<Node>& old);
  bool TargetExcluded(const std::string& fs_path);

  // stdin_backup.cc
  Status ReadStdin();

  // write_snapshot.cc
  Status WriteSnapshot();

  // archiver.cc, but for the short ones defined here. FillXattrs, Unchanged
  // and FileDone run once per file and only archiver.cc calls them: declared
  // inline (and defined there), GCC folds them into ProcessEntry and its
  // callback as it did when the class was all in one file; a member defined
  // outside its class without `inline` was called instead.
  std::vector<Node> OldChildren(const Node* old) {
    if (!old || !old->IsDir() || !old->subtree) return {};
    return OldChildren(*old->subtree);
  }
  std::vector<Node> OldChildren(const Id& old_tree) {
    auto nodes = LoadTree(repo_, old_tree, TreeNames::kAsStored);
    return nodes.ok() ? std::move(*nodes) : std::vector<Node>{};
  }
  DirJob* NewDir(DirJob* parent, size_t slot, std::string path);
  bool HasPatterns() const { return !opt_.excludes.patterns.empty() || !opt_.excludes.ipatterns.empty(); }
  MarkerVerdict Markers(const std::string& dir);
  void WalkDir(DirJob* d, const std::vector<Node>& old);
  void ProcessEntry(DirJob* d, size_t slot, const std::string& full, const std::string& name,
                    const struct stat& st, const Node* old, bool is_target);
  static double SecondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  inline Status FillXattrs(const std::string& full, const Node* old, Node* n) const;
  // mtime and size always; ctime and inode unless ignored.
  static bool SameStatFields(const Node& old, const Node& now, bool ignore_ctime = false, bool ignore_inode = false) {
    if (old.mtime.sec != now.mtime.sec || old.mtime.nsec != now.mtime.nsec) return false;
    if (!ignore_ctime && (old.ctime.sec != now.ctime.sec || old.ctime.nsec != now.ctime.nsec)) return false;
    return old.size == now.size && (ignore_inode || old.inode == now.inode);
  }
  inline bool Unchanged(const Node& old, const Node& now);
  inline void FileDone(DirJob* d, size_t slot, const std::string& path, FileChange change,
                       std::chrono::steady_clock::time_point start, Result<FileContent> content);
  void DirDone(DirJob* d);
  Status WaitForRoot();
  void ItemError(const std::string& item, const std::string& during, const Status& s);
  void Fail(const Status& s);

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
  bool root_empty_ = false;  // the root tree has no node (under root_mu_)

  std::mutex fatal_mu_;
  Status fatal_status_;
  std::atomic<bool> fatal_{false};

  std::atomic<uint64_t> files_new_{0}, files_changed_{0}, files_unmodified_{0};
  std::atomic<uint64_t> dirs_new_{0}, dirs_changed_{0}, dirs_unmodified_{0};
  std::atomic<uint64_t> errors_{0};
  std::atomic<uint64_t> files_processed_{0}, bytes_processed_{0};
  ThreadPool walk_pool_{static_cast<size_t>(WorkersFor(0))};  // last: joined first
};

}  // namespace hort::archiver_internal
