#include "volumes/verify_blocks.h"

#include <algorithm>
#include <atomic>
#include <mutex>

#include "crypto/crypto.h"
#include "util/hex.h"
#include "util/parallel.h"
#include "util/subset_spec.h"
#include "util/thread_pool.h"

namespace hort::volumes {
namespace {

// What --read-data may hold in blocks at once; a 16 MiB block alone may
// exceed it, and is then read by itself.
constexpr uint64_t kVerifyMemoryBudget = uint64_t{40} << 20;

// A block costs its stored bound and twice its size (gzip inflates into a
// buffer of its own).
uint64_t CostOf(const BlockFormat& f) { return MaxStoredBlockSize(f.codec, f.block_size) + 2 * f.block_size; }

}  // namespace

Result<SubsetRule> ParseSubset(const std::string& text) {
  // Blocks are bucketed by the first two bytes of their checksum.
  HORT_ASSIGN_OR_RETURN(const SubsetSpec spec, ParseSubsetSpec(text, 65536, /*sizes=*/false));
  SubsetRule r;
  if (spec.kind == SubsetSpec::Kind::kShare) {
    r.kind = SubsetRule::kShare;
    r.n = spec.n;
    r.m = spec.m;
  } else if (spec.kind == SubsetSpec::Kind::kPercent) {
    r.kind = SubsetRule::kPercent;
    r.percent = spec.percent;
  }
  return r;
}

bool Selected(const SubsetRule& r, const ChecksumBytes& c) {
  switch (r.kind) {
    case SubsetRule::kAll: return true;
    case SubsetRule::kShare: return (uint32_t{c[0]} << 8 | c[1]) % r.m == r.n - 1;
    case SubsetRule::kPercent: {
      uint8_t rnd[4];
      crypto::RandomBytes(rnd);
      const uint32_t v = uint32_t{rnd[0]} << 24 | uint32_t{rnd[1]} << 16 | uint32_t{rnd[2]} << 8 | rnd[3];
      return v < r.percent / 100.0 * 4294967295.0;
    }
  }
  return true;
}

// Each block's cost is acquired from the budget before anything is
// allocated and released after.
std::map<ChecksumBytes, std::string> ReadAndCheckBlocks(
    ObjectStore& store, const VolumeKeys& keys, const std::vector<std::pair<ChecksumBytes, BlockFormat>>& todo,
    uint64_t* blocks_read, uint64_t* bytes_read) {
  std::map<ChecksumBytes, std::string> bad;
  if (todo.empty()) return bad;
  uint64_t largest = 0;
  for (const auto& [c, format] : todo) largest = std::max(largest, CostOf(format));
  Budget budget(kVerifyMemoryBudget);
  const unsigned workers = static_cast<unsigned>(std::clamp<uint64_t>(
      kVerifyMemoryBudget / largest, 1, static_cast<uint64_t>(std::max(2, store.Connections()))));
  std::atomic<size_t> next{0};
  std::mutex mu;
  RunParallel(workers, [&](unsigned) {
    for (size_t i = next++; i < todo.size(); i = next++) {
      const std::string hex = HexEncode(todo[i].first);
      const uint64_t cost = CostOf(todo[i].second);
      budget.Acquire(cost);
      uint64_t stored_bytes = 0;
      Status s;
      {
        std::vector<uint8_t> block(todo[i].second.block_size);
        auto stored = store.Load(keys.Block(hex));
        if (stored.ok()) stored_bytes = stored->size();
        s = stored.ok() ? DecodeAndVerifyBlock(todo[i].second.codec, *stored, block, hex, "block " + hex)
                        : stored.status();
      }
      budget.Release(cost);
      std::lock_guard lock(mu);
      ++*blocks_read;
      *bytes_read += stored_bytes;
      if (!s.ok()) bad[todo[i].first] = "is damaged: " + s.message();
    }
  });
  return bad;
}

}  // namespace hort::volumes
