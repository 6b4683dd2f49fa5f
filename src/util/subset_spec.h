// --read-data-subset as restic reads it, for check and for volumes verify:
// n/m, x% or (check only) a size with its unit. restic refuses anything else
// before it opens the repository; "1/2/3" or "0" read as something that
// checks nothing would report a clean check of data never read.
#pragma once

#include <cstdint>
#include <string_view>

#include "util/status.h"

namespace hort {

struct SubsetSpec {
  enum class Kind { kAll, kShare, kPercent, kSize } kind = Kind::kAll;
  uint32_t n = 0, m = 1;   // kShare: the n-th of m parts, 1 <= n <= m <= max_m
  double percent = 100;    // kPercent: 0 < percent <= 100
  uint64_t bytes = 0;      // kSize: above 0
};

// "" is every pack (kAll). `max_m`: the most parts the caller can tell apart
// (restic's check buckets packs by their ID's first byte: 256). `sizes`:
// whether a size ("500M", units b k m g t in either case, as restic) is allowed.
[[nodiscard]] Result<SubsetSpec> ParseSubsetSpec(std::string_view text, uint32_t max_m, bool sizes);

}  // namespace hort
