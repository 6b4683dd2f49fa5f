// What `hort volumes ls` shows: the volumes of a target with their
// volume.cfg, and each volume's backups (finished or not) with their times,
// sizes and block counts. Listing reads cfgs only, never blocks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "volumes/config.h"
#include "volumes/target.h"

namespace hort::volumes {

struct BackupSummary {
  std::string name, snapshot_created_at, created_time;
  uint64_t size = 0, blocks = 0, block_size = 0, newly_uploaded = 0;
  bool incremental = false, in_progress = false;
  std::string error;  // set when the cfg does not parse
};

struct VolumeSummary {
  std::string name;
  // Set when volume.cfg is missing or does not parse, or when hort does not
  // read the folder (VolumeFolders::Refused: no volume name, misplaced), or
  // when the entry is a file above any volume's folder (VolumeFolders::Stray;
  // `name` is its key below backupstore/volumes/).
  std::string error;
  VolumeConfig config;
  std::vector<BackupSummary> backups;  // oldest first (SnapshotCreatedAt, then name)
};

// Every volume, every folder at a volume's depth hort does not read and
// every file above that depth, or only `volume` when given (kNotFound when
// it has no files).
[[nodiscard]] Result<std::vector<VolumeSummary>> ListTarget(BackupTarget& target, const std::string& volume);

}  // namespace hort::volumes
