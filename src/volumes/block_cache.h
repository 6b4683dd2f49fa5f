// A local cache that lets a volume backup skip SHA-512 for blocks that did
// not change: for each data block of the last backup, its offset, a fast
// 128-bit hash of its bytes (XXH3-128) and its Longhorn name (the first 32
// bytes of its SHA-512). A block whose fast hash equals the one cached for
// its offset takes the cached name; every other block is SHA-512-hashed.
//
// hort has no snapshot chain telling which blocks changed, so without this
// every backup hashes every data block with SHA-512 (946 MiB/s on one core
// here): more than the whole budget of an incremental backup. XXH3-128 runs
// at several GB/s. What a wrong "unchanged" verdict needs, and why it does
// not happen in practice, is in docs/performance.md ("Volumes").
//
// Nothing in a cache file is trusted unless all of this holds: the file's
// own checksum, its format version, its key (store, volume, source, block
// size) equal to this backup's, and the backup it records being the
// volume's LastBackupName in the store. Otherwise it is ignored and every
// block is hashed as without a cache.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "util/status.h"
#include "volumes/store_io.h"

namespace hort::volumes {

// What a cache belongs to; a file whose key differs is ignored.
struct BlockCacheKey {
  std::string store;   // the target, made absolute (BlockCacheStoreKey)
  std::string volume;
  std::string source;  // the device or image, made absolute
  uint64_t block_size = 0;
};

// A target URL as a cache key: a relative folder made absolute, so the
// same store reached from two working directories shares a cache.
[[nodiscard]] std::string BlockCacheStoreKey(const std::string& url);
// A source path made absolute and normal (symlinks are not resolved).
[[nodiscard]] std::string BlockCacheSourceKey(const std::string& path);

using FastHash = std::array<uint8_t, 16>;
[[nodiscard]] FastHash FastBlockHash(std::span<const uint8_t> data);  // XXH3-128, big-endian bytes

struct CachedBlock {
  uint64_t offset = 0;
  FastHash fast{};
  ChecksumBytes name{};
};

class BlockCache {
 public:
  // <dir>/volumes/<XXH3-128 of the key, hex>.cache
  [[nodiscard]] static std::string PathFor(const std::string& dir, const BlockCacheKey& key);

  // The cache of `key` if it was written by backup `last_backup`; else an
  // empty cache, and `why` says why (missing, damaged, foreign, stale).
  [[nodiscard]] static BlockCache Load(const std::string& dir, const BlockCacheKey& key, const std::string& last_backup,
                                       std::string* why);

  // Replaces the key's cache with `blocks` (any order) as written by
  // `backup`: a temporary file renamed over the old one, so a reader sees
  // the old cache or the new, whole. Not fsynced: a file torn by a crash
  // fails its checksum and is ignored, which costs one full hash.
  [[nodiscard]] static Status Save(const std::string& dir, const BlockCacheKey& key, const std::string& backup,
                                   std::vector<CachedBlock> blocks);

  // The name cached for the block at `offset` if its fast hash was `fast`.
  [[nodiscard]] const ChecksumBytes* Find(uint64_t offset, const FastHash& fast) const;
  [[nodiscard]] size_t size() const { return blocks_.size(); }

 private:
  std::vector<CachedBlock> blocks_;  // sorted by offset, offsets distinct
};

// Names the blocks of one backup (thread-safe) and records each for the
// next cache. A cached name is taken only when the fast hash matches AND
// the block is in the store: a block about to be uploaded is always
// SHA-512-hashed, so no object is ever stored under a name its bytes do
// not have; the cache can only make a backup map an offset to a block that
// the store already holds, and only when the bytes hash as they did.
class BlockNamer {
 public:
  // `cache` may be empty; `record` false when no cache is written (no
  // fast hash is computed then, so a backup without a cache costs nothing).
  BlockNamer(const BlockCache& cache, const BlockSet& present, bool record)
      : cache_(cache), present_(present), record_(record) {}

  struct Named {
    std::string checksum;  // 64 hex
    bool stored = false;   // already in the store
  };
  [[nodiscard]] Named Name(uint64_t offset, std::span<const uint8_t> data);

  [[nodiscard]] uint64_t from_cache() const { return from_cache_; }
  // The blocks named so far, for BlockCache::Save.
  [[nodiscard]] std::vector<CachedBlock> Take();

 private:
  const BlockCache& cache_;
  const BlockSet& present_;
  const bool record_;
  std::atomic<uint64_t> from_cache_{0};
  std::mutex mu_;
  std::vector<CachedBlock> seen_;
};

}  // namespace hort::volumes
