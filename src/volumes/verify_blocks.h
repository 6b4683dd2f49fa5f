// verify --read-data: which referenced blocks are read back (every one, a
// fixed share of block names for --read-data-subset n/m, or a random sample
// for p%), and reading them: each decompressed to its block size and its
// SHA-512 checked once, on as many threads as the store serves and a memory
// budget allows (issue 21: verify stays below 64 MiB whatever the volume).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "objstore/object_store.h"
#include "volumes/codec.h"
#include "volumes/layout.h"
#include "volumes/store_io.h"

namespace hort::volumes {

struct SubsetRule {
  enum { kAll, kShare, kPercent } kind = kAll;
  uint32_t n = 0, m = 1;
  double percent = 100;
};

// "" (every block), "n/m" or "p%"; kInvalidArgument for other text.
[[nodiscard]] Result<SubsetRule> ParseSubset(const std::string& text);
// Whether block `c` is read under `r` (for p%, a fresh draw each call).
[[nodiscard]] bool Selected(const SubsetRule& r, const ChecksumBytes& c);

// How a referenced block decodes: its backup's block size and codec.
struct BlockFormat {
  uint64_t block_size = 0;
  Codec codec = Codec::kGzip;
};

// Loads, decodes and checks each block of `todo` once, adding to
// `blocks_read` and `bytes_read` (stored bytes). Returns the blocks that
// failed, each with why ("is damaged: …").
[[nodiscard]] std::map<ChecksumBytes, std::string> ReadAndCheckBlocks(
    ObjectStore& store, const VolumeKeys& keys, const std::vector<std::pair<ChecksumBytes, BlockFormat>>& todo,
    uint64_t* blocks_read, uint64_t* bytes_read);

}  // namespace hort::volumes
