#include "archiver/file_saver.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "chunker/chunker.h"
#include "crypto/sha256_lanes.h"
#include "util/anonymous_mapping.h"
#include "util/hex.h"

namespace hort {

struct FileSaver::FileState {
  std::string path;
  std::function<void(Result<FileContent>)> done;
  std::mutex mu;
  std::vector<Id> blobs;
  uint64_t size = 0;
  uint64_t size_hint = 0;
  Status error;
  std::atomic<int> pending{1};  // the reader's hold
  std::atomic<uint64_t> added{0};  // bytes of chunks the repository did not have yet
};

struct FileSaver::Chunk {
  std::shared_ptr<FileState> state;
  size_t index;
  std::vector<uint8_t> data;
};

namespace {
// About eight average chunks: enough to keep every worker fed. More only
// costs memory: at 16 MiB the incremental backup of the S3 bench peaked at
// 86-101 MiB, at 8 MiB 75-84 MiB, with the same wall time, and the first
// backup of a local /usr copy took the same time (medians of 14, 4.8 s).
constexpr uint64_t kBytesInFlight = 8u << 20;
// A chunk counts at most half the budget, so two chunks of any size are in
// flight at once: data without cut points (a disk image of zeros) is all
// maximum-size chunks, and a chunk counted whole would take the budget alone
// and leave every worker but one idle. In-flight memory stays below
// 2 * chunker::kMaxSize.
uint64_t InFlightCharge(size_t chunk_size) { return std::min<uint64_t>(chunk_size, kBytesInFlight / 2); }
constexpr uint64_t kFilesInFlight = 128;
constexpr size_t kReadSize = 1u << 20;
// Unscanned bytes stay below the maximum chunk size, so this always leaves
// room for one more read.
constexpr size_t kLargeBuffer = chunker::kMaxSize + kReadSize;
}  // namespace

// A reader's buffer for one file. For files beyond one read it is a mapping
// sized for the longest chunk plus a read: pages become resident only once
// read into, and it never moves (a growing vector copied up to 8 MiB and held
// old and new copies at once, and its doubled capacity lingered in malloc's
// arenas). A large one is kept for the reader's next large file (see
// TakeLargeBuffer).
class FileSaver::ReadBuffer {
 public:
  explicit ReadBuffer(size_t capacity) : capacity_(capacity) {
    if (capacity > kReadSize) mapping_ = std::make_unique<AnonymousMapping>(capacity);
    if (mapping_ && mapping_->data()) {
      data_ = mapping_->data();
    } else {
      heap_ = std::make_unique_for_overwrite<uint8_t[]>(capacity);  // every byte used is read into first
      data_ = heap_.get();
    }
  }

  [[nodiscard]] uint8_t* data() const { return data_; }
  [[nodiscard]] size_t capacity() const { return capacity_; }

 private:
  size_t capacity_;
  std::unique_ptr<AnonymousMapping> mapping_;
  std::unique_ptr<uint8_t[]> heap_;
  uint8_t* data_ = nullptr;
};

FileSaver::FileSaver(Repository& repo, bool dry_run, ThreadPool& blob_pool,
                     std::function<void(const Status&)> on_fatal)
    : repo_(repo),
      dry_run_(dry_run),
      blob_pool_(blob_pool),
      on_fatal_(std::move(on_fatal)),
      files_in_flight_(kFilesInFlight, kFilesInFlight / 4),
      bytes_in_flight_(kBytesInFlight),
      readers_(kReaders) {}

FileSaver::~FileSaver() { Drain(); }

// Large buffers are kept, one per reader, instead of going back to the
// kernel after each file: a fresh 9 MiB mapping costs up to 2,304 page
// faults, each of which zeroes its page, and on the bench's 1 GiB (39 files
// above 1 MiB) those were most of a backup's 55,000 faults. The pages kept
// are those a reader reading a large file holds anyway.
std::unique_ptr<FileSaver::ReadBuffer> FileSaver::TakeLargeBuffer() {
  {
    std::lock_guard lock(spare_mu_);
    if (!spare_large_.empty()) {
      auto buf = std::move(spare_large_.back());
      spare_large_.pop_back();
      return buf;
    }
  }
  return std::make_unique<ReadBuffer>(kLargeBuffer);
}

void FileSaver::KeepLargeBuffer(std::unique_ptr<ReadBuffer> buf) {
  if (buf->capacity() != kLargeBuffer) return;
  std::lock_guard lock(spare_mu_);
  if (spare_large_.size() < kReaders) spare_large_.push_back(std::move(buf));
}

void FileSaver::Drain() { files_.Wait(); }

void FileSaver::SaveFile(const std::string& path, int fd, uint64_t size_hint,
                         std::function<void(Result<FileContent>)> done) {
  auto state = std::make_shared<FileState>();
  state->size_hint = size_hint;
  state->path = path;
  state->done = std::move(done);
  files_in_flight_.Acquire(1);
  files_.Add();
  readers_.Submit([this, state, fd] { ReadFile(state, fd); });
}

void FileSaver::ReadFile(const std::shared_ptr<FileState>& state, int given_fd) {
  int fd = given_fd;
  if (fd < 0) {
    fd = ::open(state->path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOATIME);
    if (fd < 0 && errno == EPERM) fd = ::open(state->path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
      state->error = ErrnoStatus("open " + state->path, errno);
      Finish(state);
      return;
    }
  }
  chunker::Chunker chunker(repo_.chunker_tables());
  // One read buffer per file; every chunk leaves it as an exactly sized copy,
  // so memory in flight is what the budget counts (not buffer capacity).
  // A file expected to fit one read gets a buffer of its size; one that
  // turns out longer moves to a large buffer.
  size_t read_size = static_cast<size_t>(std::clamp<uint64_t>(state->size_hint + 1, 4096, kReadSize));
  auto buf = read_size < kReadSize ? std::make_unique<ReadBuffer>(read_size) : TakeLargeBuffer();
  size_t filled = 0, scanned = 0;
  uint64_t total = 0;
  for (;;) {
    if (filled == buf->capacity()) {
      auto large = TakeLargeBuffer();
      std::memcpy(large->data(), buf->data(), filled);
      buf = std::move(large);
      read_size = kReadSize;
    }
    const size_t want = std::min(read_size, buf->capacity() - filled);
    ssize_t n = ::read(fd, buf->data() + filled, want);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      state->error = ErrnoStatus("read " + state->path, errno);
      filled = 0;
      break;
    }
    if (n == 0) break;
    // A read of a regular file that returns less than asked for has reached
    // its end. When that end is where lstat put it, the read that would
    // return 0 is left out: one system call fewer per small file. (A given
    // descriptor may be a pipe, whose reads end short anywhere; a path
    // swapped for a FIFO between lstat and open is the race lstat and open
    // always had, and an fstat to rule it out would cost the call saved.)
    const bool at_end = given_fd < 0 && static_cast<size_t>(n) < want &&
                        total + static_cast<uint64_t>(n) == state->size_hint;
    filled += static_cast<size_t>(n);
    total += static_cast<uint64_t>(n);
    while (scanned < filled) {
      bool cut = false;
      scanned += chunker.Scan(std::span<const uint8_t>(buf->data() + scanned, filled - scanned), &cut);
      if (!cut) break;
      SubmitChunk(state, std::span<const uint8_t>(buf->data(), scanned));
      std::memmove(buf->data(), buf->data() + scanned, filled - scanned);
      filled -= scanned;
      scanned = 0;
    }
    if (at_end) break;
  }
  if (filled > 0 && state->error.ok()) {
    SubmitChunk(state, std::span<const uint8_t>(buf->data(), filled));
  }
  if (given_fd < 0) ::close(fd);
  KeepLargeBuffer(std::move(buf));
  state->size = total;
  Finish(state);
}

void FileSaver::SubmitChunk(const std::shared_ptr<FileState>& state, std::span<const uint8_t> data) {
  size_t index;
  {
    std::lock_guard lock(state->mu);
    index = state->blobs.size();
    state->blobs.emplace_back();
  }
  // The budget is taken before the copy exists: taken after, every reader
  // waiting for it held one more chunk (up to 8 MiB each) beyond the budget.
  bytes_in_flight_.Acquire(InFlightCharge(data.size()));
  state->pending++;
  {
    std::lock_guard lock(park_mu_);
    ++queued_chunks_;
  }
  blob_pool_.Submit([this, chunk = std::make_shared<Chunk>(Chunk{state, index, {data.begin(), data.end()}})] {
    SaveChunk(std::move(*chunk));
  });
}

void FileSaver::SaveChunk(Chunk chunk) {
  std::unique_ptr<Chunk> partner;
  {
    std::lock_guard lock(park_mu_);
    --queued_chunks_;
    if (parked_) {
      partner = std::move(parked_);
    } else if (queued_chunks_ > 0) {
      // A queued chunk task starts later and takes this one along, so no
      // chunk can be left waiting here.
      parked_ = std::make_unique<Chunk>(std::move(chunk));
      return;
    }
  }
  if (!partner) return StoreChunk(chunk, Id::Hash(chunk.data));
  auto [id, partner_id] = crypto::Sha256Pair(chunk.data, partner->data);
  StoreChunk(chunk, Id{id});
  StoreChunk(*partner, Id{partner_id});
}

void FileSaver::StoreChunk(Chunk& chunk, const Id& id) {
  auto stored = Store(BlobType::kData, id, chunk.data);
  if (!stored.ok()) on_fatal_(stored.status().Annotate("saving " + chunk.state->path));
  if (stored.ok() && *stored) chunk.state->added += chunk.data.size();
  {
    std::lock_guard lock(chunk.state->mu);
    chunk.state->blobs[chunk.index] = id;
  }
  bytes_in_flight_.Release(InFlightCharge(chunk.data.size()));
  Finish(chunk.state);
}

void FileSaver::Finish(const std::shared_ptr<FileState>& state) {
  if (--state->pending != 0) return;
  if (state->error.ok()) {
    state->done(FileContent{std::move(state->blobs), state->size, state->added.load()});
  } else {
    state->done(state->error);
  }
  files_in_flight_.Release(1);
  files_.Done();
}

Result<bool> FileSaver::Store(BlobType type, const Id& id, std::span<const uint8_t> data, uint64_t* stored_size) {
  if (!dry_run_) return repo_.SaveBlob(type, id, data, /*force=*/false, stored_size);
  if (repo_.index().Has(id, type)) return false;
  {
    std::lock_guard lock(dry_mu_);
    if (!dry_seen_.insert(id).second) return false;
  }
  (type == BlobType::kTree ? dry_tree_blobs_ : dry_data_blobs_)++;
  dry_bytes_ += data.size();
  const uint64_t stored = repo_.StoredSize(type, data);  // compressed as a backup would: restic's "(N stored)"
  dry_stored_ += stored;
  if (stored_size) *stored_size = stored;
  return true;
}

Result<uint64_t> FileSaver::SaveTree(const Id& id, const std::string& tree) {
  uint64_t stored = 0;
  HORT_RETURN_IF_ERROR(Store(BlobType::kTree, id, AsBytes(tree), &stored).status());
  return stored;
}

}  // namespace hort
