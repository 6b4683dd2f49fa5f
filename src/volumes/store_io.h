// Reading and writing one volume's files on a target: the cfgs, the names
// of its backups, and the set of its blocks from one listing of blocks/
// (Longhorn asks for each block; S3 then costs a request per block).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
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
};

[[nodiscard]] Result<BlockListing> ListBlocks(ObjectStore& store, const VolumeKeys& keys);
// nullopt when the volume has no volume.cfg.
[[nodiscard]] Result<std::optional<VolumeConfig>> LoadVolumeConfig(ObjectStore& store, const VolumeKeys& keys);
[[nodiscard]] Status SaveVolumeConfig(ObjectStore& store, const VolumeKeys& keys, const VolumeConfig& v);
[[nodiscard]] Result<BackupConfig> LoadBackupConfig(ObjectStore& store, const VolumeKeys& keys, const std::string& backup);
[[nodiscard]] Status SaveBackupConfig(ObjectStore& store, const VolumeKeys& keys, const BackupConfig& b);
// Names of the volume's backup cfgs, sorted (names Longhorn would drop are skipped).
[[nodiscard]] Result<std::vector<std::string>> ListBackupNames(ObjectStore& store, const VolumeKeys& keys);
// Names of the volumes on the target (folders holding a volume.cfg or
// backups), sorted. One listing of backupstore/volumes/.
[[nodiscard]] Result<std::vector<std::string>> ListVolumeNames(ObjectStore& store, const std::string& base);

// Checks a backup's block map against its volume: offsets sorted, unique,
// aligned and inside `volume_size`. The first problem, or OK.
[[nodiscard]] Status CheckBlockMap(const BackupConfig& b, uint64_t block_size, uint64_t volume_size);

}  // namespace hort::volumes
