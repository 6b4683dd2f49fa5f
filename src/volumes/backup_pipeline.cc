#include "volumes/backup_pipeline.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "util/bounded_queue.h"
#include "util/parallel.h"
#include "volumes/buffer_pool.h"

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

}  // namespace

Result<std::vector<BlockRef>> RunBackupPipeline(ObjectStore& store, const VolumeKeys& keys, BlockNamer& namer,
                                                Codec codec, uint64_t block_size, const BlockSource& source,
                                                const VolumeBackupOptions& options, std::function<bool()> halt,
                                                VolumeBackupResult* result) {
  BlockPipeline pipeline(store, keys, namer, codec, block_size, options, result);
  pipeline.HaltWhen(std::move(halt));
  return pipeline.Run(source);
}

}  // namespace hort::volumes
