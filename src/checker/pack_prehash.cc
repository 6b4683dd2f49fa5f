#include "checker/pack_prehash.h"

#include <algorithm>
#include <vector>

namespace hort {

void PackPrehash::Run(Backend& backend, const std::atomic<bool>& stop) {
  if (!backend.CheapRangeReads()) return;
  std::vector<std::pair<Id, uint64_t>> packs;
  Status listed = backend.List(FileType::kPack, [&](const std::string& name, uint64_t size) {
    if (auto id = Id::Parse(name)) packs.emplace_back(*id, size);
  });
  if (!listed.ok()) return;  // the check itself lists again and reports
  std::sort(packs.begin(), packs.end());  // the order check reads them in
  constexpr uint64_t kPiece = 1 << 20;
  for (const auto& [id, size] : packs) {
    const Handle h{FileType::kPack, id.Hex()};
    backend.Prefetch(h, 0, 0);
    crypto::Sha256Hasher hasher;
    bool complete = true;
    for (uint64_t off = 0; off < size; off += kPiece) {
      if (stop.load()) return;
      auto piece = backend.Load(h, off, std::min(kPiece, size - off));
      if (!piece.ok()) {
        complete = false;  // missing or shorter than listed: check finds out itself
        break;
      }
      hasher.Update(*piece);
    }
    if (!complete) continue;
    std::lock_guard lock(mu_);
    done_.emplace(id, hasher.Final());
  }
}

std::optional<crypto::Sha256Digest> PackPrehash::Find(const Id& pack) const {
  std::lock_guard lock(mu_);
  auto it = done_.find(pack);
  if (it == done_.end()) return std::nullopt;
  return it->second;
}

size_t PackPrehash::size() const {
  std::lock_guard lock(mu_);
  return done_.size();
}

}  // namespace hort
