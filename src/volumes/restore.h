// Restoring a Longhorn backup to a raw image file or a block device,
// without Longhorn. Every block is decompressed to exactly the block size
// and checked against its name before it is written. Into an existing file
// or device the ranges no block covers are zeroed (Longhorn only restores
// into new files, where they are holes). --incremental onto an earlier
// restore of the volume compares each block of the target with the
// backup's checksum and fetches and writes only the blocks that differ.
#pragma once

#include <cstdint>
#include <string>

#include "util/timer.h"
#include "volumes/target.h"

namespace hort::volumes {

struct VolumeRestoreOptions {
  std::string volume;
  std::string backup;  // empty: the volume's LastBackupName
  std::string to;      // image file (created if missing) or block device
  bool incremental = false;
  uint64_t memory_budget = uint64_t{40} << 20;
};

struct VolumeRestoreResult {
  std::string volume, backup;
  uint64_t volume_size = 0, block_size = 0;
  uint64_t blocks_written = 0, blocks_unchanged = 0;
  uint64_t bytes_written = 0, bytes_zeroed = 0;
  bool created = false;  // the target file did not exist
  double seconds = 0;
  StageTimes times;  // fetch, decode, write, compare, zero, sync
};

[[nodiscard]] Result<VolumeRestoreResult> RestoreVolume(BackupTarget& target, const VolumeRestoreOptions& options);

}  // namespace hort::volumes
