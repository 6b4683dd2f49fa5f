#include "repository/master_index.h"

#include <mutex>

#include "crypto/crypto.h"

namespace hort {

uint32_t BlobLocation::PlainLength() const {
  if (uncompressed_length) return uncompressed_length;
  return length >= crypto::kOverhead ? length - static_cast<uint32_t>(crypto::kOverhead) : 0;
}

void MasterIndex::AddPack(const Id& pack, const std::vector<IndexBlob>& blobs) {
  std::unique_lock lock(mu_);
  auto [it, inserted] = pack_numbers_.try_emplace(pack, static_cast<uint32_t>(packs_.size()));
  if (inserted) packs_.push_back(pack);
  uint32_t number = it->second;
  for (const IndexBlob& b : blobs) {
    Entry e{number, b.offset, b.length, b.uncompressed_length, b.type};
    auto [bit, fresh] = blobs_.try_emplace(b.id, e);
    if (!fresh) duplicates_.emplace_back(b.id, e);
  }
}

std::optional<BlobLocation> MasterIndex::Lookup(const Id& id, BlobType type) const {
  std::shared_lock lock(mu_);
  auto it = blobs_.find(id);
  if (it == blobs_.end() || it->second.type != type) return std::nullopt;
  const Entry& e = it->second;
  return BlobLocation{packs_[e.pack], e.type, e.offset, e.length, e.uncompressed_length};
}

size_t MasterIndex::BlobCount() const {
  std::shared_lock lock(mu_);
  return blobs_.size();
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
  for (const auto& [id, e] : blobs_) add(id, e);
  for (const auto& [id, e] : duplicates_) add(id, e);
  return out;
}

}  // namespace hort
