#include "util/allocator.h"

#include <malloc.h>

namespace hort {

void TuneAllocatorForPipelines() {
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_ARENA_MAX, 2);
}

}  // namespace hort
