#include "repository/master_index.h"

#include <mutex>

#include "crypto/crypto.h"

namespace hort {

uint32_t BlobLocation::PlainLength() const {
  if (uncompressed_length) return uncompressed_length;
  return length >= crypto::kOverhead ? length - static_cast<uint32_t>(crypto::kOverhead) : 0;
}

size_t MasterIndex::Probe(const Id& id) const {
  size_t mask = slots_.size() - 1;
  for (size_t i = IdHash{}(id) & mask;; i = (i + 1) & mask) {
    if (!slots_[i].used || slots_[i].id == id) return i;
  }
}

void MasterIndex::Grow() {
  std::vector<Slot> old;
  old.swap(slots_);
  slots_.resize(old.empty() ? 1024 : old.size() * 2);
  for (const Slot& s : old) {
    if (s.used) slots_[Probe(s.id)] = s;
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
    if (slot.used) {
      duplicates_.emplace_back(b.id, e);
      continue;
    }
    slot = Slot{b.id, e, true};
    ++used_;
  }
}

std::optional<BlobLocation> MasterIndex::Lookup(const Id& id, BlobType type) const {
  std::shared_lock lock(mu_);
  if (slots_.empty()) return std::nullopt;
  const Slot& slot = slots_[Probe(id)];
  if (!slot.used || slot.entry.type != type) return std::nullopt;
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
    if (slot.used) add(slot.id, slot.entry);
  }
  for (const auto& [id, e] : duplicates_) add(id, e);
  return out;
}

}  // namespace hort
