// A block-level backup of a device or image into Longhorn's backupstore,
// one that Longhorn lists and restores: `backup-<16 hex>`, a complete block
// map, LastBackupName, written in Longhorn's order (lock, volume.cfg if new,
// placeholder cfg, blocks, final cfg, volume.cfg).
//
// hort has no Longhorn snapshot chain to say which blocks changed, so it
// reads every data block (holes skipped), names it (SHA-512, or the last
// backup's name when a local cache shows its bytes unchanged: block_cache.h)
// and uploads only blocks whose name is not in the store yet; one listing of
// blocks/ says which are.
// A volume keeps its block size: --block-size other than the last backup's
// is refused (Longhorn's incremental restore refuses a mix).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "util/timer.h"
#include "volumes/config.h"
#include "volumes/target.h"

namespace hort::volumes {

struct VolumeBackupOptions {
  std::string source;  // block device or image file
  std::string volume;
  uint64_t block_size = 0;  // 0: the volume's last backup's, else 2 MiB
  std::string compression;  // a new volume's codec ("" = lz4); a volume keeps the one it has
  Labels labels;
  std::string storage_class;  // volume.cfg StorageClassName of a new volume
  int hash_threads = 0;       // 0: one per core
  // Bytes of block buffers between reading and uploading (a pool of
  // buffers of the block size, at least 4; each compress thread has one
  // more). It bounds the pipeline's memory.
  uint64_t memory_budget = uint64_t{32} << 20;
  // hort's cache folder: the last backup's block cache (block_cache.h) is
  // read from and written to <cache_dir>/volumes/. Empty: no cache, every
  // data block is SHA-512-hashed.
  std::string cache_dir;
  // Raised by SIGINT/SIGTERM: reading stops, the pipeline drains, the
  // placeholder cfg is removed and the lock released; kCancelled.
  const std::atomic<bool>* stop = nullptr;
};

struct VolumeBackupResult {
  std::string volume, backup_name, snapshot_name, compression;
  bool incremental = false;
  uint64_t volume_size = 0, block_size = 0;
  uint64_t blocks_in_map = 0;   // data blocks the backup's map lists
  uint64_t blocks_new = 0;      // uploaded now
  uint64_t blocks_reused = 0;   // already in the store (or twice in this volume)
  uint64_t blocks_zero = 0;     // all zeros, left out like holes
  uint64_t blocks_from_cache = 0;  // named from the block cache, without SHA-512
  std::string cache;               // "off", "used", or "not used: <why>" (and "; not written: <why>")
  uint64_t bytes_read = 0, bytes_uploaded = 0;
  double seconds = 0;
  std::vector<std::string> warnings;  // one line each: what was asked for and not done
  StageTimes times;  // read, hash, compress, upload, list, finish
};

[[nodiscard]] Result<VolumeBackupResult> BackupVolume(BackupTarget& target, const VolumeBackupOptions& options);

}  // namespace hort::volumes
