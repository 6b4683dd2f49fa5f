#include "volumes/backup.h"

#include <algorithm>
#include <chrono>
#include <ctime>

#include "volumes/backup_pipeline.h"
#include "volumes/block_cache.h"
#include "volumes/block_source.h"
#include "volumes/codec.h"
#include "volumes/lock.h"
#include "volumes/store_io.h"

namespace hort::volumes {
namespace {

int64_t UnixNow() { return static_cast<int64_t>(std::time(nullptr)); }

// The volume.cfg of a volume's first backup.
VolumeConfig NewVolumeConfig(const VolumeBackupOptions& o, uint64_t size, Codec codec) {
  VolumeConfig v;
  v.name = o.volume;
  v.size = size;
  v.labels = o.labels;
  v.created_time = LonghornTime(UnixNow());
  v.compression_method = CodecName(codec);
  v.storage_class_name = o.storage_class;
  v.data_engine = "v1";
  return v;
}

// Longhorn's incremental restore refuses backups of one volume with
// different block sizes, so --block-size may only repeat the last backup's.
Status CheckBlockSizeKept(const VolumeBackupOptions& o, const std::optional<BackupConfig>& last, uint64_t block_size) {
  if (!last || o.block_size == 0) return Status::Ok();
  HORT_ASSIGN_OR_RETURN(uint64_t last_size, BlockSizeOf(*last));
  if (last_size == block_size) return Status::Ok();
  return Status(Code::kInvalidArgument, "volume " + o.volume + " has block size " + std::to_string(last_size) +
                                            " (backup " + last->name + "); --block-size " + std::to_string(block_size) +
                                            " would mix block sizes, which Longhorn's restore refuses");
}

}  // namespace

Result<VolumeBackupResult> BackupVolume(BackupTarget& target, const VolumeBackupOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  HORT_RETURN_IF_ERROR(CheckVolumeName(o.volume));
  HORT_ASSIGN_OR_RETURN(BlockSource source, BlockSource::Open(o.source));
  VolumeBackupResult r;
  r.volume = o.volume;
  r.volume_size = source.size();
  if (source.size() == 0) return Status(Code::kInvalidArgument, o.source + " is empty");
  if (source.size() > kMaxVolumeSize) return Status(Code::kInvalidArgument, o.source + " is larger than 1 PiB");
  // Checked before anything is written: every block size is a multiple of 2 MiB.
  const uint64_t least_block = o.block_size ? o.block_size : kDefaultBlockSize;
  if (source.size() % least_block != 0) {
    return Status(Code::kInvalidArgument, o.source + " (" + std::to_string(source.size()) +
                                              " bytes) is not a multiple of the block size " + std::to_string(least_block));
  }
  ObjectStore& store = *target.store;
  const VolumeKeys keys(target.base, o.volume);
  HORT_RETURN_IF_ERROR(store.Create({}));

  auto locked = [&] {
    ScopedStageTimer t(&r.times, "lock");  // mostly Longhorn's 2 s settle: a wait, not work
    return VolumeLock::Acquire(store, keys, LockType::kBackupRestore, o.stop);
  }();
  HORT_ASSIGN_OR_RETURN(auto lock, std::move(locked));
  HORT_ASSIGN_OR_RETURN(std::optional<VolumeConfig> volume, LoadVolumeConfig(store, keys));
  // hort's restore and verify refuse such a volume: a backup of it would be one nobody can restore here.
  if (volume) HORT_RETURN_IF_ERROR(RefuseBackingImage(o.volume, *volume));
  Codec codec = Codec::kLz4;
  if (volume) {
    HORT_ASSIGN_OR_RETURN(codec, ParseCodec(volume->compression_method));
  } else if (!o.compression.empty()) {
    HORT_ASSIGN_OR_RETURN(codec, ParseCodec(o.compression));
  }
  r.compression = CodecName(codec);
  if (volume && !o.compression.empty()) {  // Longhorn too keeps the stored codec, silently
    auto asked = ParseCodec(o.compression);
    if (asked.ok() && *asked != codec) {
      r.warnings.push_back("volume " + o.volume + " keeps its codec " + r.compression + "; --compression " +
                           o.compression + " applies only to a new volume");
    }
  }
  if (volume && volume->size > source.size()) {
    return Status(Code::kInvalidArgument, o.source + " (" + std::to_string(source.size()) + " bytes) is smaller than volume " +
                                              o.volume + " (" + std::to_string(volume->size) +
                                              " bytes): a Longhorn volume never shrinks");
  }
  // The base of an incremental backup, as Longhorn picks it: LastBackupName, if it loads.
  std::optional<BackupConfig> last;
  if (volume && !volume->last_backup_name.empty()) {
    auto loaded = LoadBackupConfig(store, keys, volume->last_backup_name, volume->size);
    if (loaded.ok() && !loaded->InProgress()) last = std::move(*loaded);
  }
  // The volume's block size is its last backup's; with LastBackupName empty
  // or gone, its newest finished backup's (a volume of 16 MiB blocks must
  // not get a backup of 2 MiB blocks because Longhorn emptied the name).
  std::optional<BackupConfig> sized = last;
  if (!sized && volume) {
    HORT_ASSIGN_OR_RETURN(std::optional<NamedBackup> newest, NewestFinishedBackup(store, keys, volume->size));
    if (newest) sized = std::move(newest->config);
  }
  r.block_size = o.block_size;
  if (r.block_size == 0) {
    r.block_size = kDefaultBlockSize;
    if (sized) {
      HORT_ASSIGN_OR_RETURN(r.block_size, BlockSizeOf(*sized));
    }
  }
  HORT_RETURN_IF_ERROR(CheckBlockSizeKept(o, sized, r.block_size));
  if (source.size() % r.block_size != 0) {
    return Status(Code::kInvalidArgument, o.source + " (" + std::to_string(source.size()) +
                                              " bytes) is not a multiple of the block size " + std::to_string(r.block_size));
  }
  if (!volume) {
    volume = NewVolumeConfig(o, source.size(), codec);
    HORT_RETURN_IF_ERROR(SaveVolumeConfig(store, keys, *volume));
  }

  BackupConfig backup;
  backup.name = GenerateName("backup");
  backup.volume_name = o.volume;
  backup.compression_method = r.compression;
  r.backup_name = backup.name;
  r.snapshot_name = GenerateName("hort");
  const std::string started = LonghornTime(UnixNow());
  HORT_RETURN_IF_ERROR(lock->Check(o.stop));
  HORT_RETURN_IF_ERROR(SaveBackupConfig(store, keys, backup));  // the placeholder: CreatedTime ""
  auto drop_placeholder = [&](const Status& s) {
    (void)store.Remove(keys.BackupConfig(backup.name));
    return s;
  };

  BlockListing present;
  {
    ScopedStageTimer t(&r.times, "list");
    auto listed = ListBlocks(store, keys, MaxStoredBlockSize(codec, r.block_size));
    if (!listed.ok()) return drop_placeholder(listed.status());
    present = std::move(*listed);
  }
  // A block listed empty, or larger than any block of this size can be
  // stored, is damaged: it is uploaded again (replacing it), never reused.
  present.blocks.Erase(present.bad_size);
  // The names of unchanged blocks from the last backup's cache (block_cache.h).
  const BlockCacheKey cache_key{BlockCacheStoreKey(target.url), o.volume, BlockCacheSourceKey(o.source), r.block_size};
  const bool use_cache = !o.cache_dir.empty();
  BlockCache cache;
  if (use_cache) {
    ScopedStageTimer t(&r.times, "cache");
    cache = BlockCache::Load(o.cache_dir, cache_key, last ? volume->last_backup_name : "", &r.cache);
  }
  BlockNamer namer(cache, present.blocks, use_cache);
  // The pipeline's buffers are freed before the map becomes the cfg.
  auto refs = RunBackupPipeline(store, keys, namer, codec, r.block_size, source, o,
                                [&] { return !lock->Check(o.stop).ok(); }, &r);
  if (!refs.ok()) return drop_placeholder(refs.status());
  if (Status s = lock->Check(o.stop); !s.ok()) return drop_placeholder(s);  // halted: the map is incomplete

  ScopedStageTimer finish(&r.times, "finish");
  std::sort(refs->begin(), refs->end(), [](const BlockRef& a, const BlockRef& b) { return a.offset < b.offset; });
  r.blocks_in_map = refs->size();
  r.incremental = last.has_value();
  backup.snapshot_name = r.snapshot_name;
  backup.snapshot_created_at = started;
  backup.created_time = LonghornTime(UnixNow());
  backup.size = refs->size() * r.block_size;
  backup.labels = o.labels;
  backup.parameters = Labels{{"backup-block-size", std::to_string(r.block_size)},
                             {"backup-mode", r.incremental ? "incremental" : "full"}};
  backup.is_incremental = r.incremental;
  backup.newly_uploaded_data_size = r.bytes_uploaded;
  backup.processing_blocks_object = !r.incremental;
  backup.blocks = std::move(*refs);
  if (Status s = SaveBackupConfig(store, keys, backup); !s.ok()) return drop_placeholder(s);

  // Reloaded: another backup of the volume may have finished meanwhile.
  HORT_ASSIGN_OR_RETURN(std::optional<VolumeConfig> now, LoadVolumeConfig(store, keys));
  VolumeConfig v = now ? std::move(*now) : *volume;
  v.last_backup_name = backup.name;
  v.last_backup_at = backup.snapshot_created_at;
  v.block_count += r.blocks_new;
  v.size = source.size();
  v.labels = o.labels;
  v.compression_method = r.compression;
  if (!o.storage_class.empty()) v.storage_class_name = o.storage_class;
  if (v.data_engine.empty()) v.data_engine = "v1";
  HORT_RETURN_IF_ERROR(SaveVolumeConfig(store, keys, v));
  r.blocks_from_cache = namer.from_cache();
  r.cache = !use_cache ? "off" : cache.size() > 0 ? "used" : "not used: " + r.cache;
  if (use_cache) {  // a backup that stored everything is not failed for its cache
    ScopedStageTimer t(&r.times, "cache");
    Status s = BlockCache::Save(o.cache_dir, cache_key, backup.name, namer.Take());
    if (!s.ok()) r.cache += "; not written: " + s.message();
  }
  r.seconds = SecondsSince(start);
  return r;
}

}  // namespace hort::volumes
