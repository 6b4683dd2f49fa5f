// Verifying a Longhorn backupstore, Longhorn's own or hort's, under a
// type-1 lock (as a restore takes), so Longhorn's garbage collection cannot
// remove blocks halfway through. Damage (a backup that would not restore
// exactly) and debris (what only costs space or blocks Longhorn's GC) are
// told apart: `hort volumes verify` exits 1 for damage, 3 for debris alone.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "volumes/target.h"

namespace hort::volumes {

struct VolumeVerifyOptions {
  std::string volume;        // empty: every volume of the target
  bool read_data = false;    // decompress and hash every referenced block once
  std::string data_subset;   // "n/m" (a fixed share of block names) or "p%" (a random sample)
};

struct Finding {
  bool damage = false;  // false: debris
  std::string kind;     // see docs/cli.md "hort volumes verify"
  std::string volume, backup, block;
  std::string message;  // one line naming volume, backup and block where there are ones
};

struct BackupCheck {
  std::string volume, backup, created;
  uint64_t blocks = 0, size = 0, block_size = 0;
  std::string state;  // ok, damaged, unreadable, in-progress, abandoned
  std::vector<std::string> problems;
};

struct VolumeVerifyReport {
  std::vector<BackupCheck> backups;
  std::vector<Finding> findings;
  uint64_t volumes = 0, blocks_listed = 0, blocks_referenced = 0, blocks_read = 0, bytes_read = 0;
  // Volumes of a whole-target verify that a delete lock kept from being
  // checked ("<volume>: <why>"); verify goes on with the others.
  std::vector<std::string> locked;
  [[nodiscard]] bool Damaged() const;
  [[nodiscard]] bool HasDebris() const;
};

// Which blocks a --read-data-subset reads; kInvalidArgument for bad text.
[[nodiscard]] Status ValidateSubset(const std::string& subset);

[[nodiscard]] Result<VolumeVerifyReport> VerifyTarget(BackupTarget& target, const VolumeVerifyOptions& options);

}  // namespace hort::volumes
