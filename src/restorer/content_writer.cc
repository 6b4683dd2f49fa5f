#include "restorer/content_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <thread>
#include <tuple>
#include <unordered_map>

#include "repository/blob_lanes.h"
#include "repository/pack.h"
#include "util/parallel.h"
#include "util/thread_pool.h"

namespace hort::restore_internal {
namespace {

bool AllZero(const std::vector<uint8_t>& v) {
  return std::all_of(v.begin(), v.end(), [](uint8_t b) { return b == 0; });
}

}  // namespace

bool ContentWriter::WritesOwnContent(const Item& it) { return it.IsFile() && it.hardlink_of < 0 && !it.failed; }

void ContentWriter::Plan() {
  // Sized once: grown by doubling, a million files' plan would hold up to
  // twice its size, and 1.5 times while moving.
  size_t planned = 0;
  for (const Item& it : tree_.items) {
    if (WritesOwnContent(it)) planned += it.content_count;
  }
  writes_.reserve(planned);
  std::unordered_map<Id, uint32_t, IdHash> pack_numbers;
  for (size_t i = 0; i < tree_.items.size(); ++i) {
    const Item& it = tree_.items[i];
    if (!WritesOwnContent(it)) continue;
    uint64_t offset = 0;
    for (uint64_t c = it.content_begin; c < it.content_begin + it.content_count; ++c) {
      auto loc = repo_.index().Lookup(tree_.contents[c], BlobType::kData);
      if (!loc) break;
      auto [pos, fresh] = pack_numbers.try_emplace(loc->pack, static_cast<uint32_t>(packs_.size()));
      if (fresh) packs_.push_back(loc->pack);
      writes_.push_back({c, offset, pos->second, loc->offset, loc->length, loc->uncompressed_length,
                         static_cast<uint32_t>(i)});
      offset += loc->PlainLength();
    }
  }
  std::sort(writes_.begin(), writes_.end(), [](const BlobWrite& a, const BlobWrite& b) {
    return std::tie(a.pack, a.offset, a.file, a.file_offset) < std::tie(b.pack, b.offset, b.file, b.file_offset);
  });
}

// A pack of small files is thousands of writes: cut into pieces so the
// workers share it (10,000 small files fill two packs, one four times the
// other). Each piece is a read of its own; from an object store a request
// costs the server work too, so there a pack is cut into fewer, larger
// pieces. A blob written to several files stays in one piece.
size_t ContentWriter::PieceEnd(size_t begin) const {
  const size_t per_task = repo_.backend().CheapRangeReads() ? kWritesPerTask : kWritesPerRemoteTask;
  size_t end = begin + 1;
  while (end < writes_.size() && end - begin < per_task && writes_[end].pack == writes_[begin].pack) ++end;
  while (end < writes_.size() && writes_[end].pack == writes_[begin].pack && writes_[end].offset == writes_[end - 1].offset) ++end;
  return end;
}

std::pair<uint64_t, uint64_t> ContentWriter::RangeOf(std::span<const BlobWrite> writes) {
  uint64_t end = 0;
  for (const BlobWrite& w : writes) end = std::max<uint64_t>(end, uint64_t{w.offset} + w.length);
  return {writes.front().offset, end};
}

std::vector<ContentWriter::PackPiece> ContentWriter::FirstPieces(size_t n) const {
  std::vector<PackPiece> out;
  for (size_t begin = 0; begin < writes_.size() && out.size() < n;) {
    const size_t end = PieceEnd(begin);
    const auto [from, to] = RangeOf(std::span<const BlobWrite>(writes_.data() + begin, end - begin));
    out.push_back({packs_[writes_[begin].pack], from, to});
    begin = end;
  }
  return out;
}

void ContentWriter::WriteFiles() {
  // The create stage, between the plan and now, can fail items (a directory
  // that could not be made, a blob missing from the index) and finds which
  // files are further links to one already planned: nothing is written
  // for those.
  std::erase_if(writes_, [&](const BlobWrite& w) { return !WritesOwnContent(tree_.items[w.file]); });
  left_ = std::vector<std::atomic<uint32_t>>(tree_.items.size());
  for (const BlobWrite& w : writes_) left_[w.file]++;
  ThreadPool pool(static_cast<size_t>(WorkersFor(opt_.workers)));
  WaitGroup wg;
  for (size_t begin = 0; begin < writes_.size();) {
    const size_t end = PieceEnd(begin);
    wg.Add();
    pool.Submit([this, &wg, begin, end] {
      RestorePack(packs_[writes_[begin].pack], std::span<const BlobWrite>(writes_.data() + begin, end - begin));
      wg.Done();
    });
    begin = end;
  }
  wg.Wait();
}

// `writes` are one pack's, sorted by offset: the covered range is read
// once (through a window where range reads are cheap, so a worker holds a
// few MiB rather than a whole pack) and every blob in it opened once,
// however many files it feeds.
void ContentWriter::RestorePack(const Id& pack, std::span<const BlobWrite> writes) {
  if (opt_.Cancelled()) return;
  const auto [begin, end] = RangeOf(writes);
  Backend& backend = repo_.backend();
  const Handle handle{FileType::kPack, pack.Hex()};
  const bool stream = backend.CheapRangeReads() && end - begin > kStreamSegment;
  if (stream) backend.Prefetch(handle, begin, end - begin);
  PackReader reader(backend, handle, {begin, end, stream, false});
  Status loaded = stream ? Status::Ok() : reader.ReadAll();
  // The range ends where the index says: an entry beyond the end of the
  // pack fails the whole read, and then only that blob may fail (issue #25).
  if (loaded.code() == Code::kCorruption) {
    reader.ReadEach();
    loaded = Status::Ok();
  }
  DirCursor dirs(root_, tree_);  // the writes of a piece mostly go to files of one directory
  // Blobs are hashed two at a time on one core (repository/blob_lanes.h): as
  // soon as one is checked and written, the next starts in its lane, so the
  // tail of a long blob runs beside the next one instead of alone.
  struct Writes {
    size_t first, after;  // the writes of one blob: [first, after)
  };
  size_t next = 0;
  CheckBlobsInLanes<Writes>(
      [&]() -> std::optional<LaneBlob<Writes>> {
        if (next == writes.size()) return std::nullopt;
        const size_t first = next;
        next = NextBlob(writes, first);
        return LaneBlob<Writes>{{first, next}, tree_.contents[writes[first].content], Unseal(reader, loaded, writes[first])};
      },
      [&](const LaneBlob<Writes>& blob) {
        WriteBlob(pack, writes.subspan(blob.tag.first, blob.tag.after - blob.tag.first), blob.plain, dirs);
      });
}

size_t ContentWriter::NextBlob(std::span<const BlobWrite> writes, size_t i) {
  size_t next = i + 1;
  while (next < writes.size() && writes[next].offset == writes[i].offset) ++next;
  return next;
}

Result<std::vector<uint8_t>> ContentWriter::Unseal(PackReader& reader, const Status& loaded, const BlobWrite& w) {
  auto stored = loaded.ok() ? reader.Bytes(w.offset, w.length) : Result<std::span<const uint8_t>>(loaded);
  if (!stored.ok()) return stored.status();
  return UnsealBlob(*stored, {tree_.contents[w.content], BlobType::kData, w.offset, w.length, w.uncompressed_length},
                    repo_.key());
}

void ContentWriter::WriteBlob(const Id& pack, std::span<const BlobWrite> writes,
                              const Result<std::vector<uint8_t>>& plain, DirCursor& dirs) {
  for (const BlobWrite& w : writes) {
    Item& it = tree_.items[w.file];
    Status s = plain.ok() ? Status::Ok()
                          : plain.status().Annotate("pack " + pack.Short() + ", blob " + tree_.contents[w.content].Short());
    if (s.ok() && opt_.progress) {
      opt_.progress->bytes_done += plain->size();
      opt_.progress->SetCurrent(tree_.SnapPath(it));
    }
    // Every other write of the file is done when this one is its last to
    // count down: the file's metadata then goes on through this write's
    // descriptor (one open and close fewer per file than the metadata
    // stage, for the small files that are most of a tree).
    const bool last = left_[w.file].load() == 1;
    bool failed_before = false;
    {
      std::lock_guard lock(StripeOf(it));
      failed_before = it.content_failed;
    }
    // A file that failed is removed: its other blobs are not written, and
    // it is named once (a full disk failed each of a large file's writes).
    if (s.ok() && !failed_before && !AllZero(*plain)) s = WriteAt(it, *plain, w.file_offset, last, dirs);  // all zero: a hole
    if (!s.ok()) {
      {
        std::lock_guard lock(StripeOf(it));
        failed_before = it.content_failed;
        it.content_failed = true;
      }
      if (!failed_before) fail_(it, s);
    }
    if (--left_[w.file] == 0) {
      std::lock_guard lock(StripeOf(it));
      it.counted = true;
      if (opt_.progress && !it.content_failed) opt_.progress->items_done++;
    }
  }
}

Result<int> ContentWriter::CreateFile(Item& it, int dir, bool sized_by_write) {
  const char* name = it.name.c_str();
  int fd = ::openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) {
    ::unlinkat(dir, name, 0);
    fd = ::openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  }
  if (fd < 0) return ErrnoStatus("create " + tree_.PathOf(it), errno);
  it.created = true;
  if (it.size > 0 && !sized_by_write && ::ftruncate(fd, static_cast<off_t>(it.size)) != 0) {
    int err = errno;
    ::close(fd);
    return ErrnoStatus("truncate " + tree_.PathOf(it), err);
  }
  return fd;
}

Status ContentWriter::WriteAt(Item& it, const std::vector<uint8_t>& data, uint64_t offset, bool last,
                              DirCursor& dirs) {
  HORT_ASSIGN_OR_RETURN(const int dir, dirs.DirOf(it));
  int fd = -1;
  {
    std::lock_guard lock(StripeOf(it));
    if (!it.created) {
      // The file's only write, from its start to its end, gives it its size.
      HORT_ASSIGN_OR_RETURN(fd, CreateFile(it, dir, last && offset == 0 && data.size() == it.size));
    }
  }
  if (fd < 0) fd = ::openat(dir, it.name.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open " + tree_.PathOf(it), errno);
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return ErrnoStatus("write " + tree_.PathOf(it), err);
    }
    done += static_cast<size_t>(n);
  }
  // The last write runs only when no earlier one failed (WriteBlob skips a
  // failed file), and none is in flight: the content is whole.
  if (last) {
    SetMetadataOn(fd, it, tree_, [&](const Status& s) { fail_(it, s); });
    it.metadata_set = true;  // read by the metadata stage, after the workers are joined
  }
  ::close(fd);
  return Status::Ok();
}

void ContentWriter::CreateUnwrittenFiles() {
  DirCursor dirs(root_, tree_);
  for (Item& it : tree_.items) {
    if (!it.IsFile() || it.hardlink_of >= 0 || it.created || it.content_failed) continue;
    auto dir = dirs.DirOf(it);
    auto fd = dir.ok() ? CreateFile(it, *dir) : Result<int>(dir.status());
    if (fd.ok()) {
      ::close(*fd);
    } else {
      fail_(it, fd.status());
    }
  }
}

void ContentWriter::RemovePartialFiles() {
  DirCursor dirs(root_, tree_);
  for (Item& it : tree_.items) {
    if (!it.IsFile() || !it.content_failed || !it.created) continue;
    const std::string path = tree_.PathOf(it);
    auto dir = dirs.DirOf(it);
    if (!dir.ok()) {
      fail_(it, dir.status());
    } else if (::unlinkat(*dir, it.name.c_str(), 0) == 0) {
      fail_(it, Status(Code::kIo, "removed " + path + ": its content could not be restored completely"));
    } else {
      fail_(it, ErrnoStatus("remove partly restored " + path, errno));
    }
  }
}

}  // namespace hort::restore_internal
