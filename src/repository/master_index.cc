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

size_t MasterIndex::Probe(const Id& id) const {
  const size_t size = slots_.size();
  // IDs are SHA-256 hashes: their first 8 bytes scaled to the table size
  // are a uniform home slot.
  size_t i = static_cast<size_t>((static_cast<U128>(IdHash{}(id)) * size) >> 64);
  for (;; i = i + 1 == size ? 0 : i + 1) {
    if (!slots_[i].entry.used || slots_[i].id == id) return i;
  }
}

void MasterIndex::Grow() {
  std::vector<Slot> old;
  old.swap(slots_);
  slots_.resize(old.empty() ? 1024 : old.size() + old.size() / 2);
  for (const Slot& s : old) {
    if (s.entry.used) slots_[Probe(s.id)] = s;
  }
}

void MasterIndex::AddPack(const Id& pack, const std::vector<IndexBlob>& blobs) {
  std::unique_lock lock(mu_);
  auto [it, inserted] = pack_numbers_.try_emplace(pack, static_cast<uint32_t>(packs_.size()));
  if (inserted) packs_.push_back(pack);
  uint32_t number = it->second;
  for (const IndexBlob& b : blobs) {
    if ((used_ + 1) * 5 > slots_.size() * 4) Grow();  // at most 4/5 full
    Entry e{number, b.offset, b.length, b.uncompressed_length, b.type};
    Slot& slot = slots_[Probe(b.id)];
    if (slot.entry.used) {
      duplicates_.emplace_back(b.id, e);
      continue;
    }
    e.used = true;
    slot = Slot{b.id, e};
    ++used_;
  }
}

std::optional<BlobLocation> MasterIndex::Lookup(const Id& id, BlobType type) const {
  std::shared_lock lock(mu_);
  if (slots_.empty()) return std::nullopt;
  const Slot& slot = slots_[Probe(id)];
  if (!slot.entry.used || slot.entry.type != type) return std::nullopt;
  const Entry& e = slot.entry;
  return BlobLocation{packs_[e.pack], e.type, e.offset, e.length, e.uncompressed_length};
}

size_t MasterIndex::BlobCount() const {
  std::shared_lock lock(mu_);
  return used_;
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
  for (const Slot& slot : slots_) {
    if (slot.entry.used) add(slot.id, slot.entry);
  }
  for (const auto& [id, e] : duplicates_) add(id, e);
  return out;
}

}  // namespace hort
