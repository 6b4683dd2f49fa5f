#include "repository/master_index.h"

#include <mutex>

#include "crypto/crypto.h"

namespace hort {
namespace {
__extension__ typedef unsigned __int128 U128;
}  // namespace

uint32_t BlobLocation::PlainLength() const {
  if (uncompressed_length) return uncompressed_length;
  return length >= crypto::kOverhead ? length - static_cast<uint32_t>(crypto::kOverhead) : 0;
}

size_t MasterIndex::Probe(const Shard& shard, const Id& id) {
  const size_t size = shard.size();
  // IDs are SHA-256 hashes: their first 8 bytes scaled to the table size
  // are a uniform home slot (the shard was chosen by the last byte).
  size_t i = static_cast<size_t>((static_cast<U128>(IdHash{}(id)) * size) >> 64);
  for (;; i = i + 1 == size ? 0 : i + 1) {
    if (!shard[i].entry.used || shard[i].id == id) return i;
  }
}

void MasterIndex::Grow(Shard& shard) {
  Shard old;
  old.swap(shard);
  shard.resize(old.empty() ? 8 : old.size() + old.size() / 2);
  for (const Slot& s : old) {
    if (s.entry.used) shard[Probe(shard, s.id)] = s;
  }
}

void MasterIndex::AddPack(const Id& pack, const std::vector<IndexBlob>& blobs) {
  std::unique_lock lock(mu_);
  auto [it, inserted] = pack_numbers_.try_emplace(pack, static_cast<uint32_t>(packs_.size()));
  if (inserted) packs_.push_back(pack);
  uint32_t number = it->second;
  for (const IndexBlob& b : blobs) {
    const size_t s = ShardOf(b.id);
    Shard& shard = shards_[s];
    if ((shard_used_[s] + 1) * 5 > shard.size() * 4) Grow(shard);  // at most 4/5 full
    Entry e{number, b.offset, b.length, b.uncompressed_length, b.type};
    Slot& slot = shard[Probe(shard, b.id)];
    if (slot.entry.used) {
      // The same entry again (an index loaded twice, or a pack two index
      // files list) is no second copy: counted as one, prune would repack
      // every pack to drop copies that do not exist.
      // A pack's offsets are its own, so pack and offset name an entry.
      const Entry& had = slot.entry;
      const bool same = had.pack == e.pack && had.offset == e.offset;
      if (!same && duplicate_entries_.insert(uint64_t{e.pack} << 32 | e.offset).second) duplicates_.emplace_back(b.id, e);
      continue;
    }
    e.used = true;
    slot = Slot{b.id, e};
    ++shard_used_[s];
  }
}

void MasterIndex::Clear() {
  std::unique_lock lock(mu_);
  packs_.clear();
  pack_numbers_.clear();
  shards_.assign(kShards, Shard{});
  shard_used_.assign(kShards, 0);
  duplicates_.clear();
  duplicate_entries_.clear();
}

std::optional<BlobLocation> MasterIndex::Lookup(const Id& id, BlobType type) const {
  std::shared_lock lock(mu_);
  const Shard& shard = shards_[ShardOf(id)];
  if (shard.empty()) return std::nullopt;
  const Slot& slot = shard[Probe(shard, id)];
  if (!slot.entry.used || slot.entry.type != type) return std::nullopt;
  const Entry& e = slot.entry;
  return BlobLocation{packs_[e.pack], e.type, e.offset, e.length, e.uncompressed_length};
}

size_t MasterIndex::BlobCount() const {
  std::shared_lock lock(mu_);
  size_t used = 0;
  for (size_t n : shard_used_) used += n;
  return used;
}

std::vector<Id> MasterIndex::Packs() const {
  std::shared_lock lock(mu_);
  return packs_;
}

std::unordered_map<Id, std::vector<IndexBlob>, IdHash> MasterIndex::BlobsByPack() const {
  std::shared_lock lock(mu_);
  std::unordered_map<Id, std::vector<IndexBlob>, IdHash> out;
  auto add = [&](const Id& id, const Entry& e) {
    out[packs_[e.pack]].push_back({id, e.type, e.offset, e.length, e.uncompressed_length});
  };
  for (const Shard& shard : shards_) {
    for (const Slot& slot : shard) {
      if (slot.entry.used) add(slot.id, slot.entry);
    }
  }
  for (const auto& [id, e] : duplicates_) add(id, e);
  return out;
}

}  // namespace hort
