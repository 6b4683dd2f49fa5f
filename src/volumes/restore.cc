#include "volumes/restore.h"

#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "util/bounded_queue.h"
#include "util/thread_pool.h"
#include "volumes/block_source.h"
#include "volumes/codec.h"
#include "volumes/lock.h"
#include "volumes/store_io.h"

namespace hort::volumes {
namespace {

Status WriteAll(int fd, const std::string& path, std::span<const uint8_t> data, uint64_t offset) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write " + path + " at " + std::to_string(offset + done), errno);
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

// An open restore target: a regular file (sized to the volume) or a device.
struct Target {
  int fd = -1;
  // The same file opened with O_DIRECT for the blocks (-1 where refused):
  // written straight to the disk by several workers at once, instead of
  // piling up in the page cache for the final fsync to write alone (it did:
  // 420 MiB waited for one fsync after the last block). The fsync stays.
  int direct_fd = -1;
  std::string path;
  bool device = false, created = false;
  ~Target() {
    if (fd >= 0) ::close(fd);
    if (direct_fd >= 0) ::close(direct_fd);
  }
};

Result<std::unique_ptr<Target>> OpenRestoreTarget(const std::string& path, uint64_t volume_size, bool incremental) {
  auto t = std::make_unique<Target>();
  t->path = path;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return ErrnoStatus("stat " + path, errno);
    if (incremental) return Status(Code::kInvalidArgument, "--incremental needs an earlier restore at " + path);
    // A mistyped device name would become a file of the volume's size in
    // /dev, which is memory (devtmpfs): Longhorn restores onto devices only.
    // The folder is compared by file system, so /dev/shm and other mounts
    // below /dev still take files, and a path that reaches /dev another way
    // is caught.
    struct stat parent {}, dev {};
    const std::string parent_path = std::filesystem::path(path).parent_path().string();
    const std::string folder = parent_path.empty() ? "." : parent_path;
    if (::stat(folder.c_str(), &parent) == 0 && ::stat("/dev", &dev) == 0 && parent.st_dev == dev.st_dev) {
      return Status(Code::kInvalidArgument, "no device " + path + " (a restore makes a new file only outside /dev)");
    }
    t->fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (t->fd < 0) return ErrnoStatus("create " + path, errno);
    t->created = true;
  } else {
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
      return Status(Code::kInvalidArgument, path + " is neither a regular file nor a block device");
    }
    // O_EXCL on a block device: EBUSY while it is mounted or held (LVM, md).
    t->fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | (S_ISBLK(st.st_mode) ? O_EXCL : 0));
    if (t->fd < 0 && errno == EBUSY) {
      return Status(Code::kInvalidArgument, "device " + path + " is in use (mounted or held by another program); not restored");
    }
    if (t->fd < 0) return ErrnoStatus("open " + path, errno);
  }
  HORT_ASSIGN_OR_RETURN(uint64_t size, SizeOfFd(t->fd, path, &t->device));
  if (t->device) {
    if (size < volume_size) {
      return Status(Code::kInvalidArgument, "device " + path + " (" + std::to_string(size) +
                                                " bytes) is smaller than the volume (" + std::to_string(volume_size) + " bytes)");
    }
  } else if (size > volume_size) {
    // Sized to the volume, the file would lose what lies past its end.
    return Status(Code::kInvalidArgument, "file " + path + " (" + std::to_string(size) +
                                              " bytes) is larger than the volume (" + std::to_string(volume_size) +
                                              " bytes) and would be cut; not restored (remove it or give a new path)");
  } else if (::ftruncate(t->fd, static_cast<off_t>(volume_size)) != 0) {
    return ErrnoStatus("resize " + path, errno);
  }
  t->direct_fd = ::open(path.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC);
  return t;
}

// Zeroes [offset, offset+length) of an existing target: punched holes in a
// file, BLKZEROOUT on a device, written zeros where neither works.
Status ZeroRange(const Target& t, uint64_t offset, uint64_t length, uint64_t chunk) {
  if (length == 0) return Status::Ok();
  if (!t.device) {
    if (::fallocate(t.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(offset),
                    static_cast<off_t>(length)) == 0) {
      return Status::Ok();
    }
  } else {
    uint64_t range[2] = {offset, length};
    if (::ioctl(t.fd, BLKZEROOUT, range) == 0) return Status::Ok();
  }
  std::vector<uint8_t> zeros(std::min(length, chunk));
  for (uint64_t at = offset; at < offset + length; at += zeros.size()) {
    const uint64_t n = std::min<uint64_t>(zeros.size(), offset + length - at);
    HORT_RETURN_IF_ERROR(WriteAll(t.fd, t.path, std::span<const uint8_t>(zeros.data(), n), at));
  }
  return Status::Ok();
}

// --incremental: zeroes only the parts of [offset, offset+length) that are
// not zero already (read and compared in `chunk` pieces, like the blocks),
// so a repeated restore onto a device does not rewrite every uncovered range.
Status ZeroWhereNonZero(const Target& t, uint64_t offset, uint64_t length, uint64_t chunk, uint64_t* zeroed) {
  std::vector<uint8_t> buf(std::min(length, chunk));
  uint64_t run = 0, run_length = 0;  // the pending range of non-zero chunks
  for (uint64_t at = offset; at < offset + length; at += buf.size()) {
    const uint64_t n = std::min<uint64_t>(buf.size(), offset + length - at);
    std::span<uint8_t> piece(buf.data(), n);
    HORT_RETURN_IF_ERROR(PreadFull(t.fd, t.path, piece, at, /*zero_past_end=*/true));
    const bool zero = piece[0] == 0 && std::memcmp(piece.data(), piece.data() + 1, n - 1) == 0;
    if (!zero) {
      if (run_length == 0) run = at;
      run_length += n;
      continue;
    }
    HORT_RETURN_IF_ERROR(ZeroRange(t, run, run_length, chunk));
    *zeroed += run_length;
    run_length = 0;
  }
  HORT_RETURN_IF_ERROR(ZeroRange(t, run, run_length, chunk));
  *zeroed += run_length;
  return Status::Ok();
}

// One listing of blocks/ before the target is touched: every block the
// backup references is present and neither empty nor larger than its codec
// allows, so a store missing a block never wipes an existing target first,
// and no oversized object is ever loaded whole.
Status PreflightBlocks(ObjectStore& store, const VolumeKeys& keys, const BackupConfig& b, Codec codec,
                       uint64_t block_size) {
  const uint64_t bound = MaxStoredBlockSize(codec, block_size);
  HORT_ASSIGN_OR_RETURN(BlockListing listing, ListBlocks(store, keys, bound));
  std::sort(listing.bad_size.begin(), listing.bad_size.end());
  for (const BlockRef& r : b.blocks) {
    const ChecksumBytes c = ChecksumFromHex(r.checksum);
    const std::string at = "backup " + b.name + ": block " + r.checksum + " at offset " + std::to_string(r.offset);
    if (!listing.blocks.Contains(c)) {
      return Status(Code::kCorruption, at + " is missing from the store; nothing was restored");
    }
    auto bad = std::lower_bound(listing.bad_size.begin(), listing.bad_size.end(), std::make_pair(c, uint64_t{0}));
    if (bad != listing.bad_size.end() && bad->first == c) {
      return Status(Code::kCorruption, at + " is " + std::to_string(bad->second) + " bytes stored (" +
                                           (bad->second == 0 ? "empty" : "more than the " + std::to_string(bound) +
                                                                             " a " + CodecName(codec) + " block can be") +
                                           "); nothing was restored");
    }
  }
  return Status::Ok();
}
constexpr size_t kDirectAlign = 4096;

// Workers at least. 4 were no faster on 2 cores (1.13-1.28 s against
// 1.04-1.28 s for 2, alternating runs) and doubled the peak (61 MiB): each
// holds a block buffer and the stored block it decodes.
constexpr int kMinWorkers = 2;

// fetch → decode and verify → write, on a pool of workers fed in block
// order through a bounded queue; the byte budget bounds the buffers.
class RestorePipeline {
 public:
  RestorePipeline(ObjectStore& store, const VolumeKeys& keys, const Target& target, Codec codec, uint64_t block_size,
                  const VolumeRestoreOptions& o, VolumeRestoreResult* r)
      : store_(store), keys_(keys), target_(target), codec_(codec), block_size_(block_size), incremental_(o.incremental),
        backup_(r->backup), result_(r), budget_(std::max<uint64_t>(o.memory_budget, 2 * block_size)),
        workers_(static_cast<unsigned>(std::max(kMinWorkers, store.Connections()))), direct_(target.direct_fd >= 0) {}

  // Checked before each block is queued: true stops feeding the workers.
  void HaltWhen(std::function<bool()> halt) { halt_ = std::move(halt); }

  Status Run(const std::vector<BlockRef>& blocks) {
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < workers_; ++i) threads.emplace_back([this] { Work(); });
    for (const BlockRef& b : blocks) {
      if (failed_ || (halt_ && halt_())) break;
      budget_.Acquire(2 * block_size_);
      queue_.Push(&b);
    }
    queue_.Close();
    for (auto& t : threads) t.join();
    result_->blocks_written = written_;
    result_->blocks_unchanged = unchanged_;
    result_->bytes_written = written_ * block_size_;
    return error_;
  }

 private:
  void Work() {
    // Aligned for O_DIRECT; one per worker for the whole restore.
    std::unique_ptr<uint8_t, decltype(&std::free)> buffer(
        static_cast<uint8_t*>(std::aligned_alloc(kDirectAlign, block_size_)), &std::free);
    if (!buffer) {
      Fail(Status(Code::kInternal, "out of memory for a block buffer"));
      return;
    }
    const std::span<uint8_t> block(buffer.get(), block_size_);
    while (auto b = queue_.Pop()) {
      if (!failed_) {
        if (Status s = RestoreOne(**b, block); !s.ok()) Fail(s);
      }
      budget_.Release(2 * block_size_);
    }
  }

  void Fail(const Status& s) {
    std::lock_guard lock(mu_);
    if (error_.ok()) error_ = s;
    failed_ = true;
  }

  Status RestoreOne(const BlockRef& b, std::span<uint8_t> block) {
    if (incremental_) {
      ScopedStageTimer t(&result_->times, "compare");
      HORT_RETURN_IF_ERROR(PreadFull(target_.fd, target_.path, block, b.offset, /*zero_past_end=*/true));
      if (LonghornChecksum(block) == b.checksum) {
        ++unchanged_;
        return Status::Ok();
      }
    }
    const std::string what = "backup " + backup_ + ": block " + b.checksum + " at offset " + std::to_string(b.offset);
    std::vector<uint8_t> stored;
    {
      ScopedStageTimer t(&result_->times, "fetch");
      auto loaded = store_.Load(keys_.Block(b.checksum));
      if (loaded.status().code() == Code::kNotFound) return Status(Code::kCorruption, what + " is missing from the store");
      if (!loaded.ok()) return loaded.status().Annotate(what);
      stored = std::move(*loaded);
    }
    {
      ScopedStageTimer t(&result_->times, "decode");
      HORT_RETURN_IF_ERROR(DecodeAndVerifyBlock(codec_, stored, block, b.checksum, what));
    }
    ScopedStageTimer t(&result_->times, "write");
    if (direct_) {
      const ssize_t n = ::pwrite(target_.direct_fd, block.data(), block.size(), static_cast<off_t>(b.offset));
      if (n >= 0) {  // a short direct write is finished buffered
        HORT_RETURN_IF_ERROR(WriteAll(target_.fd, target_.path, block.subspan(static_cast<size_t>(n)), b.offset + n));
        ++written_;
        return Status::Ok();
      }
      if (errno != EINVAL && errno != EOPNOTSUPP && errno != EINTR) {
        return ErrnoStatus("write " + target_.path + " at " + std::to_string(b.offset), errno);
      }
      if (errno != EINTR) direct_ = false;  // O_DIRECT accepted at open, refused at write: buffered from now on
    }
    HORT_RETURN_IF_ERROR(WriteAll(target_.fd, target_.path, block, b.offset));
    ++written_;
    return Status::Ok();
  }

  ObjectStore& store_;
  const VolumeKeys& keys_;
  const Target& target_;
  const Codec codec_;
  const uint64_t block_size_;
  const bool incremental_;
  const std::string backup_;
  VolumeRestoreResult* result_;
  Budget budget_;
  const unsigned workers_;
  BoundedQueue<const BlockRef*> queue_{8};
  std::mutex mu_;
  std::atomic<bool> failed_{false}, direct_;
  std::atomic<uint64_t> written_{0}, unchanged_{0};
  Status error_;
  std::function<bool()> halt_;
};

}  // namespace

Result<VolumeRestoreResult> RestoreVolume(BackupTarget& target, const VolumeRestoreOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  HORT_RETURN_IF_ERROR(CheckVolumeName(o.volume));
  if (!o.backup.empty()) HORT_RETURN_IF_ERROR(CheckBackupName(o.backup));
  if (o.to.empty()) return Status(Code::kInvalidArgument, "no restore target given (--to FILE|DEVICE)");
  ObjectStore& store = *target.store;
  const VolumeKeys keys(target.base, o.volume);
  HORT_ASSIGN_OR_RETURN(std::optional<VolumeConfig> volume, LoadVolumeConfig(store, keys));
  if (!volume) return Status(Code::kNotFound, "no volume " + o.volume + " in " + target.url);
  HORT_RETURN_IF_ERROR(RefuseBackingImage(o.volume, *volume));
  HORT_ASSIGN_OR_RETURN(auto lock, VolumeLock::Acquire(store, keys, LockType::kBackupRestore, o.stop));
  VolumeRestoreResult r;
  r.volume = o.volume;
  r.backup = o.backup;
  BackupConfig backup;
  if (!o.backup.empty()) {
    HORT_ASSIGN_OR_RETURN(backup, LoadBackupConfig(store, keys, o.backup, volume->size));
  } else {  // r.picked says so when LastBackupName is not what is restored
    HORT_ASSIGN_OR_RETURN(DefaultBackup d, DefaultRestoreBackup(store, keys, *volume));
    if (!d.backup) return Status(Code::kNotFound, "volume " + o.volume + " has no finished backup (" + d.passed_over + ")");
    if (!d.passed_over.empty()) {
      r.picked = d.passed_over + "; took the newest finished backup, " + d.backup->name + " (" +
                 d.backup->config.snapshot_created_at + ")";
    }
    r.backup = d.backup->name;  // its key's: what --backup takes, whatever Name the cfg holds
    backup = std::move(d.backup->config);
  }
  if (backup.InProgress()) {
    return Status(Code::kInvalidArgument, "backup " + r.backup + " never finished (its cfg is a placeholder)");
  }
  // Longhorn restores every backup at the volume's current size (volume.cfg).
  r.volume_size = volume->size;
  if (r.volume_size == 0) return Status(Code::kCorruption, "volume " + o.volume + ": volume.cfg gives size 0");
  HORT_ASSIGN_OR_RETURN(r.block_size, BlockSizeOf(backup));
  if (Status s = CheckBlockMap(backup, r.block_size, r.volume_size); !s.ok()) {
    return s.Annotate("backup " + r.backup);
  }
  HORT_ASSIGN_OR_RETURN(Codec codec, ParseCodec(backup.compression_method));
  HORT_RETURN_IF_ERROR(PreflightBlocks(store, keys, backup, codec, r.block_size));
  HORT_RETURN_IF_ERROR(lock->Check(o.stop));

  HORT_ASSIGN_OR_RETURN(auto out, OpenRestoreTarget(o.to, r.volume_size, o.incremental));
  r.created = out->created;
  auto fail = [&](const Status& s) {
    if (out->created) {
      ::unlink(out->path.c_str());  // a half-restored new file helps nobody
      return s;
    }
    // A block is verified when it is read: a failure midway leaves an
    // existing target part old, part new, and the message says so.
    if (r.bytes_zeroed == 0 && r.blocks_written == 0) return s;
    return Status(s.code(), s.message() + "; " + out->path + " was partly overwritten: restore it again" +
                                (s.code() == Code::kCorruption ? ", from an intact backup" : ""));
  };
  if (!out->created) {  // zero what no block covers; a new file has holes there
    ScopedStageTimer t(&r.times, "zero");
    uint64_t next = 0;
    for (size_t i = 0; i <= backup.blocks.size(); ++i) {
      const uint64_t end = i < backup.blocks.size() ? backup.blocks[i].offset : r.volume_size;
      if (Status s = lock->Check(o.stop); !s.ok()) return fail(s);
      if (o.incremental) {
        if (Status s = ZeroWhereNonZero(*out, next, end - next, r.block_size, &r.bytes_zeroed); !s.ok()) return fail(s);
      } else {
        if (Status s = ZeroRange(*out, next, end - next, r.block_size); !s.ok()) return fail(s);
        r.bytes_zeroed += end - next;
      }
      if (i < backup.blocks.size()) next = end + r.block_size;
    }
  }
  RestorePipeline pipeline(store, keys, *out, codec, r.block_size, o, &r);
  pipeline.HaltWhen([&] { return !lock->Check(o.stop).ok(); });
  if (Status s = pipeline.Run(backup.blocks); !s.ok()) return fail(s);
  if (Status s = lock->Check(o.stop); !s.ok()) return fail(s);  // halted: the target is incomplete
  {
    ScopedStageTimer t(&r.times, "sync");
    if (::fsync(out->fd) != 0) return fail(ErrnoStatus("sync " + out->path, errno));
  }
  r.seconds = SecondsSince(start);
  return r;
}

}  // namespace hort::volumes
