// Which packs check --read-data reads: --read-data-subset's choice, and the
// first of them asked for while the key is derived.
#include "checker/checker.h"

#include <algorithm>

#include "crypto/crypto.h"
#include "util/parallel.h"

namespace hort {

Result<std::vector<Id>> SelectSubset(const std::vector<std::pair<Id, uint64_t>>& packs, const std::string& spec) {
  std::vector<Id> out;
  if (spec.empty()) {
    for (const auto& p : packs) out.push_back(p.first);
    return out;
  }
  auto bad = Status(Code::kInvalidArgument, "invalid --read-data-subset \"" + spec + "\" (use n/m, x% or a size)");
  try {
    if (auto slash = spec.find('/'); slash != std::string::npos) {
      long n = std::stol(spec.substr(0, slash)), m = std::stol(spec.substr(slash + 1));
      if (m < 1 || n < 1 || n > m) return bad;
      // Like restic: bucket by the first byte of the pack ID.
      for (const auto& p : packs) {
        if (static_cast<long>(p.first.bytes[0]) % m == n - 1) out.push_back(p.first);
      }
      return out;
    }
    if (spec.back() == '%') {
      double pct = std::stod(spec.substr(0, spec.size() - 1));
      if (pct <= 0 || pct > 100) return bad;
      size_t count = static_cast<size_t>(static_cast<double>(packs.size()) * pct / 100.0 + 0.999999);
      std::vector<std::pair<Id, uint64_t>> shuffled = packs;
      for (size_t i = shuffled.size(); i > 1; --i) {
        uint32_t r;
        crypto::RandomBytes({reinterpret_cast<uint8_t*>(&r), sizeof(r)});
        std::swap(shuffled[i - 1], shuffled[r % i]);
      }
      for (size_t i = 0; i < count && i < shuffled.size(); ++i) out.push_back(shuffled[i].first);
      return out;
    }
    size_t pos = 0;
    double value = std::stod(spec, &pos);
    std::string unit = spec.substr(pos);
    double mult = 1;
    if (unit == "K" || unit == "k") mult = 1024;
    else if (unit == "M" || unit == "m") mult = 1024.0 * 1024;
    else if (unit == "G" || unit == "g") mult = 1024.0 * 1024 * 1024;
    else if (unit == "T" || unit == "t") mult = 1024.0 * 1024 * 1024 * 1024;
    else if (!unit.empty()) return bad;
    uint64_t budget = static_cast<uint64_t>(value * mult);
    std::vector<std::pair<Id, uint64_t>> shuffled = packs;
    for (size_t i = shuffled.size(); i > 1; --i) {
      uint32_t r;
      crypto::RandomBytes({reinterpret_cast<uint8_t*>(&r), sizeof(r)});
      std::swap(shuffled[i - 1], shuffled[r % i]);
    }
    uint64_t used = 0;
    for (const auto& p : shuffled) {
      if (used >= budget) break;
      out.push_back(p.first);
      used += p.second;
    }
    return out;
  } catch (const std::exception&) {
    return bad;
  }
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
