// Longhorn's backupstore layout (longhorn/backupstore config.go, util.go,
// lock.go): where a volume's files live under a backup target, and the names
// Longhorn gives volumes, backups, blocks and locks. Pure names, no I/O.
//
//   backupstore/volumes/<h[0:2]>/<h[2:4]>/<volume>/      h = hex SHA-512(volume name)
//     volume.cfg
//     backups/backup_<backup>.cfg
//     blocks/<c[0:2]>/<c[2:4]>/<c>.blk                   c = first 64 hex of SHA-512(block)
//     locks/lock-<16 hex>.lck
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "util/status.h"

namespace hort::volumes {

inline constexpr uint64_t kDefaultBlockSize = uint64_t{2} << 20;  // Longhorn's DEFAULT_BLOCK_SIZE
inline constexpr uint64_t kLargeBlockSize = uint64_t{16} << 20;   // the only other size mgr accepts
// Volumes larger than this are refused as absurd (Longhorn's own limit is far
// lower in practice); it keeps every size and offset sum inside int64.
inline constexpr uint64_t kMaxVolumeSize = uint64_t{1} << 50;  // 1 PiB
inline constexpr size_t kChecksumHexLength = 64;

// Longhorn's util.ValidateName: ^[a-zA-Z0-9][a-zA-Z0-9_.-]+$ (so never '/',
// never "..", at least two characters), of any length: the rule for backup
// names (a Backup CR may be named longer than 64). Longhorn drops other names
// from listings; hort refuses them.
[[nodiscard]] bool IsValidName(std::string_view name);
// IsValidName and at most 64 characters: longhorn-engine's ValidVolumeName,
// the rule for volume names.
inline constexpr size_t kMaxVolumeNameLength = 64;  // longhorn-engine's MaximumVolumeNameSize
[[nodiscard]] bool IsValidVolumeName(std::string_view name);
// kInvalidArgument with one line naming the name unless valid.
[[nodiscard]] Status CheckVolumeName(std::string_view name);
[[nodiscard]] Status CheckBackupName(std::string_view name);
// A backup name as a store may hold one though Longhorn makes none such
// ("-x", "a b": by hand or by another tool): one path component, so
// BackupConfig(name) stays in backups/. forget takes such a name to remove
// its cfg, which stops garbage collection while it is there.
[[nodiscard]] bool IsBackupFileName(std::string_view name);

// util.GetChecksum: SHA-512 in hex, cut to its first 64 characters.
[[nodiscard]] std::string LonghornChecksum(std::span<const uint8_t> data);
[[nodiscard]] bool IsBlockChecksum(std::string_view s);  // 64 lowercase hex
// util.GenerateName: "<prefix>-" and 16 lowercase hex from a random UUID.
[[nodiscard]] std::string GenerateName(std::string_view prefix);

// The keys of one volume, below `base` (the target's prefix, "" or
// "path/"). Call only with a valid volume name.
class VolumeKeys {
 public:
  VolumeKeys(std::string base, std::string volume);
  [[nodiscard]] const std::string& volume() const { return volume_; }
  [[nodiscard]] const std::string& dir() const { return dir_; }  // ends in '/'
  [[nodiscard]] std::string Config() const { return dir_ + "volume.cfg"; }
  [[nodiscard]] std::string BackupsPrefix() const { return dir_ + "backups/"; }
  [[nodiscard]] std::string BackupConfig(std::string_view backup) const;
  [[nodiscard]] std::string BlocksPrefix() const { return dir_ + "blocks/"; }
  [[nodiscard]] std::string Block(std::string_view checksum) const;
  [[nodiscard]] std::string LocksPrefix() const { return dir_ + "locks/"; }
  [[nodiscard]] std::string Lock(std::string_view lock_name) const;

 private:
  std::string volume_, dir_;
};

// The prefix under which every volume folder lies: base + "backupstore/volumes/".
[[nodiscard]] std::string VolumesPrefix(const std::string& base);

// Names read back from listed keys: the backup of "…/backups/backup_<n>.cfg",
// the checksum of "…/blocks/xx/yy/<c>.blk", the lock of "…/locks/<n>.lck".
// nullopt for anything else (Longhorn's ExtractNames drops those too).
[[nodiscard]] std::optional<std::string> BackupNameOfKey(std::string_view key);
[[nodiscard]] std::optional<std::string> BlockChecksumOfKey(std::string_view key);
[[nodiscard]] std::optional<std::string> LockNameOfKey(std::string_view key);
// Leftovers of an interrupted write on NFS, CIFS or vfs targets:
// "<file>.tmp.<unix nanoseconds>" (fsops.Write writes there, then renames).
[[nodiscard]] bool IsTempLeftover(std::string_view key);

}  // namespace hort::volumes
