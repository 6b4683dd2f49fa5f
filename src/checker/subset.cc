// Which packs check --read-data reads: --read-data-subset's choice, and the
// first of them asked for while the key is derived.
#include "checker/checker.h"

#include <algorithm>

#include "crypto/crypto.h"
#include "util/parallel.h"
#include "util/subset_spec.h"

namespace hort {

namespace {
// The packs in a random order (x% and a size take a different sample each run, as restic's).
std::vector<std::pair<Id, uint64_t>> Shuffled(std::vector<std::pair<Id, uint64_t>> packs) {
  for (size_t i = packs.size(); i > 1; --i) {
    uint32_t r;
    crypto::RandomBytes({reinterpret_cast<uint8_t*>(&r), sizeof(r)});
    std::swap(packs[i - 1], packs[r % i]);
  }
  return packs;
}
}  // namespace

Result<std::vector<Id>> SelectSubset(const std::vector<std::pair<Id, uint64_t>>& packs, const std::string& text) {
  // restic buckets packs by the first byte of their ID, so at most 256 parts.
  HORT_ASSIGN_OR_RETURN(const SubsetSpec spec, ParseSubsetSpec(text, 256, /*sizes=*/true));
  std::vector<Id> out;
  switch (spec.kind) {
    case SubsetSpec::Kind::kAll:
      for (const auto& p : packs) out.push_back(p.first);
      break;
    case SubsetSpec::Kind::kShare:
      for (const auto& p : packs) {
        if (p.first.bytes[0] % spec.m == spec.n - 1) out.push_back(p.first);
      }
      break;
    case SubsetSpec::Kind::kPercent: {
      const auto count = static_cast<size_t>(static_cast<double>(packs.size()) * spec.percent / 100.0 + 0.999999);
      for (const auto& p : Shuffled(packs)) {
        if (out.size() >= count) break;
        out.push_back(p.first);
      }
      break;
    }
    case SubsetSpec::Kind::kSize: {
      uint64_t used = 0;
      for (const auto& p : Shuffled(packs)) {
        if (used >= spec.bytes) break;
        out.push_back(p.first);
        used += p.second;
      }
      break;
    }
  }
  return out;
}

void ReadFirstPacksAhead(Backend& backend, const CheckOptions& options) {
  if (!options.read_data || !options.read_data_subset.empty()) return;
  std::vector<Id> packs;
  (void)backend.List(FileType::kPack, [&](const std::string& name, uint64_t) {
    if (auto id = Id::Parse(name)) packs.push_back(*id);
  });
  ReadFirstPacksAhead(backend, options, std::move(packs));
}

void ReadFirstPacksAhead(Backend& backend, const CheckOptions& options, std::vector<Id> packs) {
  if (!options.read_data || !options.read_data_subset.empty()) return;
  // ReadData's order: sorted by ID, one pack per worker to begin with.
  const size_t first = std::min(packs.size(), static_cast<size_t>(WorkersFor(options.workers)));
  std::partial_sort(packs.begin(), packs.begin() + static_cast<long>(first), packs.end());
  for (size_t i = 0; i < first; ++i) backend.ReadAhead({FileType::kPack, packs[i].Hex()}, 0, 0);
}

}  // namespace hort
