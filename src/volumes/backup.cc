#include "volumes/backup.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "util/bounded_queue.h"
#include "util/parallel.h"
#include "volumes/block_cache.h"
#include "volumes/block_source.h"
#include "volumes/buffer_pool.h"
#include "volumes/codec.h"
#include "volumes/lock.h"
#include "volumes/store_io.h"

namespace hort::volumes {
namespace {

struct PendingBlock {
  uint64_t offset = 0;
  Buffer buffer;    // from the pool: raw, then compressed
  size_t size = 0;  // bytes of buffer in use
  std::string checksum;
  [[nodiscard]] std::span<const uint8_t> data() const { return {buffer.get(), size}; }
};

bool AllZero(std::span<const uint8_t> d) {
  return d.empty() || (d[0] == 0 && std::memcmp(d.data(), d.data() + 1, d.size() - 1) == 0);
}

int64_t UnixNow() { return static_cast<int64_t>(std::time(nullptr)); }

// Blocks in the pipeline at once: what the budget holds, at least one per
// stage thread would be idle without.
size_t PoolBuffers(uint64_t budget, uint64_t block_size) {
  return std::max<size_t>(4, budget / CompressBound(block_size));
}

// Uploads at once, at least: a local folder's Save waits for the disk twice
// (fsync of the block, of its folder), so two at a time leave it idle.
constexpr int kMinUploads = 4;

// Reads at once. A second reader was no faster on 2 cores (alternating cold
// second backups of the 1 GiB bench image, 2026-12-03: 2.78-3.22 s against
// 2.78-3.37 s) and held one more block buffer (peak +4-10 MiB).
constexpr int kReaders = 1;

// The pipeline read → hash → (dedupe) → compress → upload, one bounded
// queue between stages and a byte budget over all of them, so memory stays
// near `memory_budget` whatever the volume size. Each stage adds its work
// time to the stage timers.
class BlockPipeline {
 public:
  BlockPipeline(ObjectStore& store, const VolumeKeys& keys, BlockNamer& namer, Codec codec, uint64_t block_size,
                const VolumeBackupOptions& options, VolumeBackupResult* result)
      : store_(store), keys_(keys), namer_(namer), codec_(codec), block_size_(block_size),
        pool_(PoolBuffers(options.memory_budget, block_size), CompressBound(block_size)),
        hash_threads_(static_cast<unsigned>(WorkersFor(options.hash_threads))),
        upload_threads_(static_cast<unsigned>(std::max(kMinUploads, store.Connections()))), result_(result) {}

  // Checked before each block is read: true stops reading (the rest drains).
  void HaltWhen(std::function<bool()> halt) { halt_ = std::move(halt); }

  // Returns the block map, unsorted.
  Result<std::vector<BlockRef>> Run(const BlockSource& source) {
    std::vector<std::thread> workers;
    for (unsigned i = 0; i < hash_threads_; ++i) workers.emplace_back([this] { HashStage(); });
    for (unsigned i = 0; i < hash_threads_; ++i) workers.emplace_back([this] { CompressStage(); });
    for (unsigned i = 0; i < upload_threads_; ++i) workers.emplace_back([this] { UploadStage(); });
    ReadStage(source);
    to_hash_.Close();
    for (unsigned i = 0; i < hash_threads_; ++i) workers[i].join();
    to_compress_.Close();
    for (unsigned i = hash_threads_; i < 2 * hash_threads_; ++i) workers[i].join();
    to_upload_.Close();
    for (size_t i = 2 * hash_threads_; i < workers.size(); ++i) workers[i].join();
    result_->bytes_read = read_bytes_;
    result_->blocks_zero = zero_;
    result_->blocks_reused = reused_;
    result_->blocks_new = new_;
    result_->bytes_uploaded = uploaded_bytes_;
    if (!error_.ok()) return error_;
    return std::move(refs_);
  }

 private:
  void Fail(const Status& s) {
    std::lock_guard lock(mu_);
    if (error_.ok()) error_ = s;
    failed_ = true;
  }

  // kReaders threads read blocks in turn, each taking the next data block
  // from a shared cursor (SEEK_DATA walked under its mutex).
  void ReadStage(const BlockSource& source) {
    std::vector<std::thread> more;
    for (int i = 1; i < kReaders; ++i) more.emplace_back([&] { ReadBlocks(source); });
    ReadBlocks(source);
    for (auto& t : more) t.join();
  }

  // The next data block's offset; false at the end.
  bool NextBlock(const BlockSource& source, uint64_t* offset) {
    std::lock_guard lock(cursor_mu_);
    while (cursor_ < source.size()) {
      const uint64_t data = source.NextData(cursor_);
      if (data >= cursor_ + block_size_) {  // a hole: skip to the block holding the next data
        cursor_ = data / block_size_ * block_size_;
        continue;
      }
      *offset = cursor_;
      cursor_ += block_size_;
      return true;
    }
    return false;
  }

  void ReadBlocks(const BlockSource& source) {
    uint64_t offset = 0;
    while (!failed_ && !(halt_ && halt_()) && NextBlock(source, &offset)) {
      PendingBlock b;
      b.offset = offset;
      b.buffer = pool_.Get();
      b.size = block_size_;
      {
        ScopedStageTimer t(&result_->times, "read");
        Status s = source.ReadAt(offset, std::span<uint8_t>(b.buffer.get(), b.size));
        if (!s.ok()) {
          pool_.Put(std::move(b.buffer));
          Fail(s);
          break;
        }
      }
      read_bytes_ += block_size_;
      to_hash_.Push(std::move(b));
    }
  }

  void HashStage() {
    while (auto b = to_hash_.Pop()) {
      if (failed_) {
        pool_.Put(std::move(b->buffer));
        continue;
      }
      bool zero = false;
      BlockNamer::Named named;
      {
        ScopedStageTimer t(&result_->times, "hash");
        zero = AllZero(b->data());
        if (!zero) named = namer_.Name(b->offset, b->data());
      }
      if (zero) {  // restores into a fresh sparse file read zeros there anyway
        ++zero_;
        pool_.Put(std::move(b->buffer));
        continue;
      }
      bool upload = false;
      {
        std::lock_guard lock(mu_);
        b->checksum = std::move(named.checksum);
        refs_.push_back({b->offset, b->checksum});
        // Identical blocks at two offsets are uploaded once (in flight or not).
        upload = !named.stored && in_flight_.insert(b->checksum).second;
      }
      if (!upload) {
        ++reused_;
        pool_.Put(std::move(b->buffer));
        continue;
      }
      to_compress_.Push(std::move(*b));
    }
  }

  // Each compress thread owns one buffer more than the pool's: it compresses
  // into it and keeps the block's raw buffer in exchange, so compressing
  // never waits for a buffer.
  void CompressStage() {
    Buffer spare(new uint8_t[pool_.buffer_size()]);
    while (auto b = to_compress_.Pop()) {
      if (failed_) {
        pool_.Put(std::move(b->buffer));
        continue;
      }
      auto stored = [&] {
        ScopedStageTimer t(&result_->times, "compress");
        return CompressBlockInto(codec_, b->data(), std::span<uint8_t>(spare.get(), pool_.buffer_size()));
      }();
      if (!stored.ok()) {
        pool_.Put(std::move(b->buffer));
        Fail(stored.status());
        continue;
      }
      std::swap(spare, b->buffer);
      b->size = *stored;
      to_upload_.Push(std::move(*b));
    }
  }

  void UploadStage() {
    while (auto b = to_upload_.Pop()) {
      if (!failed_) {
        ScopedStageTimer t(&result_->times, "upload");
        Status s = store_.Save(keys_.Block(b->checksum), b->data());
        if (s.ok()) {
          ++new_;
          uploaded_bytes_ += b->size;
        } else {
          Fail(s.Annotate("upload block " + b->checksum));
        }
      }
      pool_.Put(std::move(b->buffer));
    }
  }

  ObjectStore& store_;
  const VolumeKeys& keys_;
  BlockNamer& namer_;
  const Codec codec_;
  const uint64_t block_size_;
  BufferPool pool_;
  const unsigned hash_threads_, upload_threads_;
  VolumeBackupResult* result_;
  BoundedQueue<PendingBlock> to_hash_{4}, to_compress_{4}, to_upload_{4};
  std::mutex mu_;
  std::atomic<bool> failed_{false};
  std::atomic<uint64_t> read_bytes_{0}, zero_{0}, reused_{0}, new_{0}, uploaded_bytes_{0};
  Status error_;
  std::vector<BlockRef> refs_;
  std::set<std::string> in_flight_;
  std::function<bool()> halt_;
  std::mutex cursor_mu_;
  uint64_t cursor_ = 0;  // the next offset to look for data at
};

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
  auto refs = [&] {
    BlockPipeline pipeline(store, keys, namer, codec, r.block_size, o, &r);
    pipeline.HaltWhen([&] { return !lock->Check(o.stop).ok(); });
    return pipeline.Run(source);
  }();
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
