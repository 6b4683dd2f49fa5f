// Restoring a Longhorn backup to a raw image file or a block device,
// without Longhorn. Every block is decompressed to exactly the block size
// and checked against its name before it is written. Into an existing file
// or device the ranges no block covers are zeroed (Longhorn only restores
// into new files, where they are holes). --incremental onto an earlier
// restore of the volume compares each block of the target with the
// backup's checksum and fetches and writes only the blocks that differ, and
// zeroes only uncovered ranges that are not zero already.
//
// Before an existing target is touched, one listing of blocks/ checks that
// every referenced block is there and no larger than its codec allows.
// Block devices are opened with O_EXCL (a mounted device is refused), and a
// volume on a backing image is refused (kUnsupported): hort cannot restore
// the image's layer.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "util/timer.h"
#include "volumes/target.h"

namespace hort::volumes {

struct VolumeRestoreOptions {
  std::string volume;
  std::string backup;  // empty: the volume's LastBackupName, else its newest finished backup
  std::string to;      // image file (created if missing) or block device
  bool incremental = false;
  uint64_t memory_budget = uint64_t{40} << 20;
  // Raised by SIGINT/SIGTERM: the pipeline drains, a target the restore
  // created is removed, the lock released; kCancelled.
  const std::atomic<bool>* stop = nullptr;
};

struct VolumeRestoreResult {
  std::string volume, backup;
  std::string picked;  // when no backup was given and LastBackupName was not taken: why, and which was
  uint64_t volume_size = 0, block_size = 0;
  uint64_t blocks_written = 0, blocks_unchanged = 0;
  uint64_t bytes_written = 0, bytes_zeroed = 0;
  bool created = false;  // the target file did not exist
  double seconds = 0;
  StageTimes times;  // fetch, decode, write, compare, zero, sync
};

[[nodiscard]] Result<VolumeRestoreResult> RestoreVolume(BackupTarget& target, const VolumeRestoreOptions& options);

}  // namespace hort::volumes
