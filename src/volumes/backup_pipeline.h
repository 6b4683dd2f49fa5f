// The per-block part of a volume backup: every data block of the source
// read (holes skipped), named (block_cache.h's BlockNamer: the cache, else
// SHA-512), and compressed and uploaded unless the store holds it already,
// on stage threads joined by bounded queues within the options' memory
// budget. Every per-block step is in backup_pipeline.cc, one translation
// unit; backup.cc around it keeps the lock, the cfgs and their order.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "objstore/object_store.h"
#include "volumes/backup.h"
#include "volumes/block_cache.h"
#include "volumes/block_source.h"
#include "volumes/codec.h"
#include "volumes/config.h"
#include "volumes/layout.h"

namespace hort::volumes {

// The backup's block map, unsorted. Adds to `result` the bytes read and
// uploaded, the blocks zero, reused and new, and the read, hash, compress
// and upload stage times. `halt` is asked before each block is read: true
// stops reading, the blocks in flight drain, and the map is incomplete (the
// caller knows why it halted).
[[nodiscard]] Result<std::vector<BlockRef>> RunBackupPipeline(ObjectStore& store, const VolumeKeys& keys,
                                                              BlockNamer& namer, Codec codec, uint64_t block_size,
                                                              const BlockSource& source,
                                                              const VolumeBackupOptions& options,
                                                              std::function<bool()> halt, VolumeBackupResult* result);

}  // namespace hort::volumes
