// The backup pipeline: walk → read → chunk → hash → dedupe → compress →
// encrypt → pack → upload, with trees saved bottom-up as directories finish.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "archiver/excludes.h"
#include "repository/repository.h"
#include "util/timer.h"

namespace hort {

struct BackupOptions {
  std::vector<std::string> targets;  // as given on the command line
  // When set (one per target): the absolute path each target is recorded
  // under, e.g. a PVC mounted at /mnt/pvc/x recorded as K8up's /data/x.
  std::vector<std::string> record_as;
  std::string host;                  // empty = this machine's hostname
  std::vector<std::string> tags;
  ExcludeRules excludes;
  std::vector<std::string> exclude_strings;  // recorded in the snapshot
  std::optional<std::string> parent;         // explicit --parent
  bool force = false;                        // re-read unchanged files
  bool dry_run = false;
  bool with_atime = false;                   // store real atimes (restic's --with-atime)
  // restic's --ignore-ctime / --ignore-inode: a file whose size and mtime
  // match its parent node is not read again even if these differ (network
  // file systems without stable inodes, files touched by chmod only).
  bool ignore_ctime = false;
  bool ignore_inode = false;
  std::optional<gojson::Timestamp> time;     // --time

  // --stdin / --stdin-from-command
  bool from_stdin = false;
  // The file's path in the snapshot, relative to its root: a plain name
  // ("db.sql") is a file in the root tree; "resources/prod.tar" nests it in
  // directory nodes (as restic >= 0.17 does). Components must be proper
  // names: no "", ".", ".." (so no leading, trailing or doubled '/').
  std::string stdin_filename = "stdin";
  // When set, the stdin file and the directories above it get fixed metadata
  // instead of this process's: mtime = atime = ctime = this time, uid/gid 0,
  // no user/group names, mode 0600 for the file and 0700 for directories.
  // So the same bytes give the same tree ids, whatever day they are backed
  // up: a repeated backup adds only its snapshot file.
  std::optional<gojson::Timestamp> stdin_stable_time;
  std::vector<std::string> stdin_command;  // empty = read fd 0
  int stdin_fd = 0;
  // For a producer the archiver does not start itself (a command run in a
  // container through the Kubernetes API, writing into stdin_fd's pipe):
  // called once stdin_fd reached its end, before the snapshot is written; an
  // error means the producer failed and no snapshot is written.
  std::function<Status()> stdin_done;

  int read_concurrency = 2;
};

enum class FileChange { kNew, kChanged, kUnmodified };

// One finished file or directory, as restic's -vv lines show it.
struct ItemDone {
  std::string path;  // in the snapshot; a directory's ends in '/'
  bool dir = false;
  FileChange change = FileChange::kNew;
  uint64_t size = 0;      // files: their length
  uint64_t added = 0;     // bytes of data new to the repository
  uint64_t metadata = 0;  // directories: what their tree added to the packs when it was new (restic's TreeSizeInRepo)
  double seconds = 0;     // from the walker reaching the item to its being saved
};

// Receives per-item events from worker threads; implementations must be thread-safe.
class BackupObserver {
 public:
  virtual ~BackupObserver() = default;
  virtual void OnError(const std::string& item, const std::string& during, const Status& s) = 0;
  virtual void OnItemDone(const ItemDone& /*item*/) {}
  // Called once, before any item: the parent snapshot the backup compares with.
  virtual void OnParent(const std::optional<Id>& /*parent*/) {}
  // A line restic prints as a warning (a skipped missing target, a marker
  // file with the wrong signature); counting is the archiver's business.
  virtual void OnWarning(const std::string& /*message*/) {}
};

struct BackupResult {
  SnapshotSummary summary;
  Id snapshot_id;  // zero in dry-run mode
  Id tree;
  std::optional<Id> parent;
  uint64_t errors = 0;  // items that could not be read (exit code 3)
  double seconds = 0;
  StageTimes stage_times;
};

[[nodiscard]] Result<BackupResult> RunBackup(Repository& repo, const BackupOptions& options,
                                             BackupObserver* observer);

}  // namespace hort
