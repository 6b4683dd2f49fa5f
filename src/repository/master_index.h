// The in-memory index of every blob in the repository: blob ID → pack,
// offset and lengths. Fixed-size 52-byte slots in open-addressing tables
// (linear probing, at most 4/5 full) — no heap object per blob; pack IDs are
// interned as 32-bit numbers.
#pragma once

#include <optional>
#include <shared_mutex>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "format/id.h"
#include "format/repo_files.h"

namespace hort {

struct BlobLocation {
  Id pack;
  BlobType type = BlobType::kData;
  uint32_t offset = 0;
  uint32_t length = 0;
  uint32_t uncompressed_length = 0;
  [[nodiscard]] uint32_t PlainLength() const;  // size of the blob's plaintext
};

class MasterIndex {
 public:
  void AddPack(const Id& pack, const std::vector<IndexBlob>& blobs);
  // Forgets every entry: a reload starts from what the repository holds now.
  void Clear();
  [[nodiscard]] std::optional<BlobLocation> Lookup(const Id& id, BlobType type) const;
  [[nodiscard]] bool Has(const Id& id, BlobType type) const { return Lookup(id, type).has_value(); }
  [[nodiscard]] size_t BlobCount() const;
  [[nodiscard]] std::vector<Id> Packs() const;
  // Every blob entry grouped per pack (duplicates across packs included).
  [[nodiscard]] std::unordered_map<Id, std::vector<IndexBlob>, IdHash> BlobsByPack() const;

 private:
  struct Entry {
    uint32_t pack;
    uint32_t offset;
    uint32_t length;
    uint32_t uncompressed_length;
    BlobType type;
    bool used = false;  // in a slot: taken (the entry's padding had room)
  };
  struct Slot {
    Id id;
    Entry entry;
  };
  static_assert(sizeof(Slot) == 52);
  // IDs are SHA-256 hashes, so their last byte spreads them evenly over
  // 256 tables. One table would, when it grows, hold the old and the new
  // array at once (2.5x the index: 131 MB at a million blobs, the peak of a
  // million-file backup); a shard grows alone, so that moment costs 1/256.
  static constexpr size_t kShards = 256;
  using Shard = std::vector<Slot>;
  [[nodiscard]] static size_t ShardOf(const Id& id) { return id.bytes[31]; }
  // The slot holding `id` in `shard`, or the empty slot where it would go.
  [[nodiscard]] static size_t Probe(const Shard& shard, const Id& id);
  static void Grow(Shard& shard);

  mutable std::shared_mutex mu_;
  std::vector<Id> packs_;
  std::unordered_map<Id, uint32_t, IdHash> pack_numbers_;
  // Open addressing with linear probing, each shard at most 4/5 full. A
  // shard grows by half (not doubling) and IDs are placed by multiplying, so
  // any size works: the slots stay between 53 % and 80 % used, where a power
  // of two would round a million blobs up to 2M slots (117 MB).
  std::vector<Shard> shards_ = std::vector<Shard>(kShards);
  std::vector<size_t> shard_used_ = std::vector<size_t>(kShards);  // taken slots per shard
  // Entries that duplicate a blob already indexed (kept so check can see them).
  std::vector<std::pair<Id, Entry>> duplicates_;
  std::unordered_set<uint64_t> duplicate_entries_;  // pack number << 32 | offset of each in duplicates_
};

}  // namespace hort
