// Reading and writing one volume's files on a target: the cfgs, the names
// of its backups, and the set of its blocks from one listing of blocks/
// (Longhorn asks for each block; S3 then costs a request per block).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "objstore/object_store.h"
#include "volumes/config.h"
#include "volumes/layout.h"

namespace hort::volumes {

// A block checksum as 32 bytes: a million blocks (2 TiB) cost 32 MB, not 100.
using ChecksumBytes = std::array<uint8_t, 32>;
[[nodiscard]] ChecksumBytes ChecksumFromHex(const std::string& hex);  // hex must be IsBlockChecksum

// The checksums of the blocks present in a volume, sorted.
class BlockSet {
 public:
  void Add(const ChecksumBytes& c) { sums_.push_back(c); }
  void Seal();  // sorts and drops duplicates; call before Contains
  // Drops the checksums of `bad` (sealed sets only).
  void Erase(const std::vector<std::pair<ChecksumBytes, uint64_t>>& bad);
  [[nodiscard]] bool Contains(const ChecksumBytes& c) const;
  [[nodiscard]] size_t size() const { return sums_.size(); }
  [[nodiscard]] const std::vector<ChecksumBytes>& sorted() const { return sums_; }

 private:
  std::vector<ChecksumBytes> sums_;
};

struct BlockListing {
  BlockSet blocks;
  uint64_t bytes = 0;                   // stored (compressed) size of all blocks
  std::vector<std::string> stray_keys;  // under blocks/ but not a block name (temp leftovers …)
  // Blocks of size 0 or above the `max_block_bytes` given to ListBlocks,
  // with their sizes: never loaded (a 600 MiB .blk would be read whole).
  std::vector<std::pair<ChecksumBytes, uint64_t>> bad_size;
};

// max_block_bytes 0: no size check.
[[nodiscard]] Result<BlockListing> ListBlocks(ObjectStore& store, const VolumeKeys& keys, uint64_t max_block_bytes = 0);

// cfgs are read whole, so their size is checked (Stat) before: volume.cfg
// holds no block map and is refused above 4 MiB; a backup cfg lists up to
// one entry (~112 bytes compact) per 2 MiB of the volume and is refused above
// 4 MiB + 256 bytes per 2 MiB of `volume_size` (0, unknown: as for 256 GiB).
inline constexpr uint64_t kMaxVolumeConfigBytes = uint64_t{4} << 20;
[[nodiscard]] uint64_t MaxBackupConfigBytes(uint64_t volume_size);

// nullopt when the volume has no volume.cfg.
[[nodiscard]] Result<std::optional<VolumeConfig>> LoadVolumeConfig(ObjectStore& store, const VolumeKeys& keys);
[[nodiscard]] Status SaveVolumeConfig(ObjectStore& store, const VolumeKeys& keys, const VolumeConfig& v);
[[nodiscard]] Result<BackupConfig> LoadBackupConfig(ObjectStore& store, const VolumeKeys& keys, const std::string& backup,
                                                   uint64_t volume_size = 0);
[[nodiscard]] Status SaveBackupConfig(ObjectStore& store, const VolumeKeys& keys, const BackupConfig& b);
// One listing of a volume's backups/ folder.
struct BackupListing {
  std::vector<std::string> names;  // of backup_<name>.cfg with a Longhorn backup name, sorted
  // Every other key there but temp leftovers (a name hort refuses, a file
  // in a subfolder, a file not named backup_*.cfg), sorted: hort cannot
  // tell which blocks they use, so garbage collection stops while one is
  // there (it must never count a backup's blocks as unreferenced).
  std::vector<std::string> unaccounted;
  bool operator==(const BackupListing&) const = default;
};
[[nodiscard]] Result<BackupListing> ListBackups(ObjectStore& store, const VolumeKeys& keys);
// A backup cfg as read, with the name of its key (backups/backup_<name>.cfg):
// the name --backup and forget take. The cfg's own Name may differ (by hand
// or another tool; verify calls it damage, name-mismatch), so a backup is
// reported by its key's name, the one a user can pass back.
struct NamedBackup {
  std::string name;
  BackupConfig config;
};
// The newest finished backup of a volume (by SnapshotCreatedAt, then
// CreatedTime, then name, as forget orders backups), passing over
// placeholders and cfgs that do not load; nullopt when there is none. It
// stands in for LastBackupName where that is empty or names no finished
// backup: Longhorn's DeleteDeltaBlockBackup empties it when it deletes the
// latest backup and skips garbage collection.
[[nodiscard]] Result<std::optional<NamedBackup>> NewestFinishedBackup(ObjectStore& store, const VolumeKeys& keys,
                                                                     uint64_t volume_size);

// The backup a restore takes when none is named: volume.cfg's LastBackupName,
// as Longhorn restores by default. Where that is empty, names no backup, is
// no Longhorn name, or names an unfinished placeholder (Longhorn writes one
// when a backup starts; a restore of it fails), the newest finished backup
// stands in and `passed_over` says why. A LastBackupName cfg that is there
// but cannot be read is an error, as for a backup the user names: passing
// over it would quietly restore an older backup.
struct DefaultBackup {
  std::optional<NamedBackup> backup;  // nullopt: the volume has no finished backup
  std::string passed_over;            // "" when LastBackupName was taken, else why not
};
[[nodiscard]] Result<DefaultBackup> DefaultRestoreBackup(ObjectStore& store, const VolumeKeys& keys,
                                                         const VolumeConfig& volume);

// The volume folders on the target, from one listing of
// backupstore/volumes/: the names of the volumes hort reads, every other
// folder at a volume's depth, and every file above that depth, which a
// whole-target ls and verify name (a store holding a volume hort passes
// over must say so, and a file nobody reads is not passed over in silence).
struct VolumeFolders {
  std::vector<std::string> names;  // <h[0:2]>/<h[2:4]>/<name>/ with a volume name, sorted
  struct Refused {
    std::string name, folder;  // the folder's last component, and the folder's key (ending in '/')
    std::string why;           // its name is no volume name, or it lies where no volume's folder does
    [[nodiscard]] std::string Message() const { return "folder " + folder + ": " + why; }
  };
  std::vector<Refused> refused;  // by folder
  // A file where a folder is expected ("volumes/x", "volumes/ab/x",
  // "volumes/ab/cd/x"): Longhorn writes every file of a volume, its temp
  // files too, inside the volume's folder, and reads none up there.
  struct Stray {
    std::string name, key;  // the key below backupstore/volumes/, and the whole key
    [[nodiscard]] std::string Message() const;
  };
  std::vector<Stray> strays;  // by key
};
[[nodiscard]] Result<VolumeFolders> ListVolumeFolders(ObjectStore& store, const std::string& base);

// kUnsupported with one line when the volume lies on a backing image:
// its backups hold only the layers above the image, which hort does not
// back up or restore.
[[nodiscard]] Status RefuseBackingImage(const std::string& volume, const VolumeConfig& v);

// Checks a backup's block map against its volume: offsets sorted, unique,
// aligned and inside `volume_size`. The first problem, or OK.
[[nodiscard]] Status CheckBlockMap(const BackupConfig& b, uint64_t block_size, uint64_t volume_size);

}  // namespace hort::volumes
