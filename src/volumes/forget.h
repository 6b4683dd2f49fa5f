// Retention for one volume's backups with restic's forget rules
// (policy/retention.h; the series is the volume, the time SnapshotCreatedAt),
// then Longhorn's garbage collection (DeleteDeltaBlockBackup) under the
// delete lock: a block is removed only when no remaining backup references
// it, and not at all while any cfg cannot be read or a backup is unfinished.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "policy/retention.h"
#include "volumes/layout.h"
#include "volumes/target.h"

namespace hort::volumes {

// A backup's tags are its labels "hort.dev/tag-<tag>" (hort guard's topic,
// e.g. pre-upgrade), so keep.tags keeps them as restic keeps tagged snapshots.
inline constexpr const char* kTagLabelPrefix = "hort.dev/tag-";

struct VolumeForgetOptions {
  std::string volume;
  ExpirePolicy policy;
  // Remove exactly these instead of applying the policy: Longhorn names, or
  // the exact name of a backups/backup_<name>.cfg the store holds that is
  // no Longhorn name (IsBackupFileName), the way out of the stop below.
  std::vector<std::string> backups;
  bool dry_run = false;
};

struct ForgetDecision {
  std::string backup, time;
  bool keep = true;
  std::vector<std::string> reasons;
};

struct VolumeForgetResult {
  std::vector<ForgetDecision> decisions;  // newest first
  std::vector<std::string> removed;
  uint64_t blocks_removed = 0, blocks_kept = 0, bytes_removed = 0;
  std::string gc_skipped;  // why garbage collection did not run, if it did not
  std::string last_backup;  // volume.cfg LastBackupName afterwards
};

[[nodiscard]] Result<VolumeForgetResult> ForgetBackups(BackupTarget& target, const VolumeForgetOptions& options);

// One line on `key`, a file among a volume's backups hort cannot account
// for (BackupListing::unaccounted): what it is, and what removes it, the
// forget command naming it for a backups/backup_<name>.cfg, else the user
// by hand (hort removes no file it cannot tell is a backup). Garbage
// collection's refusal, ls and verify all say it so.
[[nodiscard]] std::string DescribeUnaccounted(const BackupTarget& target, const VolumeKeys& keys, const std::string& key);

}  // namespace hort::volumes
