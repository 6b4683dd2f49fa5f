// After the walk (the stage "write snapshot"): the summary restic records,
// and the snapshot file, unless the run is a dry one.
#include <unistd.h>

#include "archiver/backup.h"
#include "archiver/fs_node.h"
#include "util/version.h"

namespace hort::archiver_internal {

Status Backup::WriteSnapshot() {
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

}  // namespace hort::archiver_internal
