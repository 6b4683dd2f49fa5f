#include "restorer/restorer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <tuple>
#include <unordered_map>

#include "archiver/excludes.h"
#include "crypto/sha256_lanes.h"
#include "format/tree.h"
#include "repository/pack_reader.h"
#include "restorer/restore_item.h"
#include "util/hex.h"
#include "util/parallel.h"
#include "util/thread_pool.h"

namespace hort {
namespace {

using restore_internal::Item;
using restore_internal::ItemExtra;
using restore_internal::Kind;
using restore_internal::kTopLevel;

// One blob written to one place in one file. The whole restore plan is one
// flat vector of these, sorted by pack and offset: a blob shared by several
// files appears once per target and is decrypted once.
struct BlobWrite {
  uint64_t content = 0;  // index into the contents: the blob's ID
  uint64_t file_offset = 0;
  uint32_t pack = 0;  // number into the plan's pack list
  uint32_t offset = 0, length = 0, uncompressed_length = 0;
  uint32_t file = 0;  // index into the items
};

bool AllZero(const std::vector<uint8_t>& v) {
  return std::all_of(v.begin(), v.end(), [](uint8_t b) { return b == 0; });
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

class Restore {
 public:
  Restore(Repository& repo, const Snapshot& snap, const RestoreOptions& opt, RestoreObserver* obs)
      : repo_(repo), snap_(snap), opt_(opt), obs_(obs) {}

  Result<RestoreResult> Run() {
    auto start = std::chrono::steady_clock::now();
    {
      ScopedStageTimer t(&result_.stage_times, "plan");
      HORT_RETURN_IF_ERROR(Plan());
    }
    if (!opt_.dry_run) {
      {
        ScopedStageTimer t(&result_.stage_times, "create");
        HORT_RETURN_IF_ERROR(CreateDirsAndFiles());
      }
      {
        ScopedStageTimer t(&result_.stage_times, "fetch+decrypt+write");
        WriteContent();
        if (!Cancelled()) CreateUnwrittenFiles();
      }
      if (Cancelled()) return Status(Code::kCancelled, "restore interrupted");
      {
        ScopedStageTimer t(&result_.stage_times, "metadata");
        RestoreOthersAndMetadata();
      }
      if (opt_.verify) {
        ScopedStageTimer t(&result_.stage_times, "verify");
        Verify();
      }
    }
    result_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return std::move(result_);
  }

 private:
  bool Excluded(const std::string& snap_path) {
    for (const auto& p : opt_.excludes) if (PatternMatches(p, snap_path)) return true;
    std::string l = Lower(snap_path);
    for (const auto& p : opt_.iexcludes) if (PatternMatches(Lower(p), l)) return true;
    return false;
  }

  bool IncludedByPattern(const std::string& snap_path) {
    if (opt_.includes.empty() && opt_.iincludes.empty()) return true;
    for (const auto& p : opt_.includes) if (PatternMatches(p, snap_path)) return true;
    std::string l = Lower(snap_path);
    for (const auto& p : opt_.iincludes) if (PatternMatches(Lower(p), l)) return true;
    return false;
  }

  Result<std::vector<Node>> LoadTree(const Id& id) {
    HORT_ASSIGN_OR_RETURN(auto raw, repo_.LoadBlob(BlobType::kTree, id));
    HORT_ASSIGN_OR_RETURN(auto nodes, DecodeTree(AsChars(raw)));
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (IsUnsafeNodeName(nodes[i].name)) {
        return Status(Code::kCorruption, "tree " + id.Short() + " contains an unsafe node name \"" +
                                             gojson::QuoteInner(nodes[i].name) + "\"; refusing to restore it");
      }
      if (i > 0 && !(nodes[i - 1].name < nodes[i].name)) {
        return Status(Code::kCorruption, "tree " + id.Short() + " is not sorted or has duplicate names");
      }
    }
    return nodes;
  }

  Status Plan() {
    Id root = snap_.tree;
    std::string sub = opt_.subpath;
    std::string snap_prefix;
    size_t start = 0;
    while (start < sub.size()) {
      size_t end = sub.find('/', start);
      if (end == std::string::npos) end = sub.size();
      std::string part = sub.substr(start, end - start);
      start = end + 1;
      if (part.empty() || part == ".") continue;
      HORT_ASSIGN_OR_RETURN(auto nodes, LoadTree(root));
      auto it = std::find_if(nodes.begin(), nodes.end(), [&](const Node& n) { return n.name == part; });
      if (it == nodes.end() || !it->IsDir() || !it->subtree) {
        return Status(Code::kNotFound, "path \"" + sub + "\" not found in snapshot " + snap_.id.Short());
      }
      root = *it->subtree;
      snap_prefix += "/" + part;
    }
    target_ = AbsoluteTarget(opt_.target);
    snap_prefix_ = snap_prefix;
    return PlanTree(root, kTopLevel, snap_prefix, 0, false).status();
  }

  // "/dir/sub/name" below the target (and below the snapshot's subpath).
  std::string RelativePath(const Item& it) const {
    std::vector<const std::string*> names;
    for (const Item* p = &it;; p = &items_[p->parent]) {
      names.push_back(&p->name);
      if (p->parent == kTopLevel) break;
    }
    std::string out;
    for (auto n = names.rbegin(); n != names.rend(); ++n) out.append("/").append(**n);
    return out;
  }
  std::string PathOf(const Item& it) const { return target_ + RelativePath(it); }
  std::string SnapPath(const Item& it) const { return snap_prefix_ + RelativePath(it); }

  Item MakeItem(Node&& n, uint32_t parent, int depth) {
    Item it;
    it.name = std::move(n.name);
    it.parent = parent;
    it.kind = restore_internal::KindOf(n.type);
    it.depth = static_cast<uint16_t>(std::min(depth, 65535));
    it.mode = n.mode, it.uid = n.uid, it.gid = n.gid;
    it.links = static_cast<uint32_t>(std::min<uint64_t>(n.links, UINT32_MAX));
    it.mtime = n.mtime, it.atime = n.atime;
    it.content_begin = contents_.size();
    it.content_count = static_cast<uint32_t>(n.content.size());
    for (const Id& id : n.content) contents_.push_back(id);
    if (!n.linktarget.empty() || !n.xattrs.empty() || n.device != 0 || (it.IsFile() && n.links > 1)) {
      it.extra = std::make_unique<ItemExtra>(
          ItemExtra{std::move(n.linktarget), std::move(n.xattrs), n.device, n.inode, n.device_id});
    }
    return it;
  }


  static std::string AbsoluteTarget(std::string t) {
    while (t.size() > 1 && t.back() == '/') t.pop_back();
    if (t.empty() || t[0] != '/') {
      char cwd[4096];
      if (::getcwd(cwd, sizeof(cwd))) t = std::string(cwd) + "/" + t;
    }
    return t;
  }

  // Returns whether anything below was selected.
  Result<bool> PlanTree(const Id& tree, uint32_t parent, const std::string& snap_dir, int depth,
                        bool parent_included) {
    HORT_ASSIGN_OR_RETURN(auto nodes, LoadTree(tree));
    bool any = false;
    for (Node& n : nodes) {
      std::string snap_path = snap_dir + "/" + n.name;
      if (Excluded(snap_path)) continue;
      bool included = parent_included || IncludedByPattern(snap_path);
      if (!n.IsDir()) {
        if (!included) continue;
        any = true;
        items_.push_back(MakeItem(std::move(n), parent, depth));
        continue;
      }
      std::optional<Id> subtree = n.subtree;
      const size_t slot = items_.size();
      items_.push_back(MakeItem(std::move(n), parent, depth));
      bool below = false;
      if (subtree) {
        HORT_ASSIGN_OR_RETURN(below, PlanTree(*subtree, static_cast<uint32_t>(slot), snap_path, depth + 1, included));
      }
      if (!included && !below) {
        items_.resize(slot);  // nothing selected inside, so nothing was added after it
        continue;
      }
      any = true;
    }
    return any;
  }

  Status MakeDir(const std::string& path) {
    if (::mkdir(path.c_str(), 0700) == 0) return Status::Ok();
    if (errno != EEXIST) return ErrnoStatus("mkdir " + path, errno);
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return Status(Code::kIo, path + " exists and is not a directory");
    }
    return Status::Ok();
  }

  Status CreateDirsAndFiles() {
    // The target itself may be created; its parents must exist.
    if (::mkdir(target_.c_str(), 0700) != 0 && errno != EEXIST) return ErrnoStatus("create target " + target_, errno);
    std::map<std::pair<uint64_t, uint64_t>, int> first_link;
    for (size_t i = 0; i < items_.size(); ++i) {
      Item& it = items_[i];
      if (it.IsDir()) {
        Status s = MakeDir(PathOf(it));
        if (!s.ok()) Fail(it, s);
        result_.dirs++;
        continue;
      }
      if (!it.IsFile()) continue;
      if (it.links > 1 && it.extra) {
        auto key = std::make_pair(it.extra->device_id, it.extra->inode);
        auto [pos, fresh] = first_link.try_emplace(key, static_cast<int>(i));
        if (!fresh) it.hardlink_of = pos->second;
      }
      result_.files++;
      if (it.hardlink_of >= 0) continue;
      for (uint64_t c = it.content_begin; c < it.content_begin + it.content_count; ++c) {
        auto loc = repo_.index().Lookup(contents_[c], BlobType::kData);
        if (!loc) {
          Fail(it, Status(Code::kNotFound, "data blob " + contents_[c].Short() + " is missing from the index"));
          break;
        }
        it.size += loc->PlainLength();
      }
      result_.bytes += it.size;
      // Files are created by their first write, in pack order, not here in
      // tree order: creating 100k files in one burst before any data made
      // ext4 (without a journal) rescan recently freed inodes on every
      // create — measured 31.9 s against 5.6 s for the same restore.
    }
    if (opt_.progress) {
      opt_.progress->items_total = result_.files;
      opt_.progress->bytes_total = result_.bytes;
      opt_.progress->totals_final = true;
    }
    return Status::Ok();
  }

  void WriteContent() {
    std::vector<Id> packs;
    std::unordered_map<Id, uint32_t, IdHash> pack_numbers;
    std::vector<BlobWrite> writes;
    // Sized once: grown by doubling, a million files' plan would hold up to
    // twice its size, and 1.5 times while moving.
    auto writes_own_content = [](const Item& it) { return it.IsFile() && it.hardlink_of < 0 && !it.failed; };
    size_t planned = 0;
    for (const Item& it : items_) {
      if (writes_own_content(it)) planned += it.content_count;
    }
    writes.reserve(planned);
    for (size_t i = 0; i < items_.size(); ++i) {
      Item& it = items_[i];
      if (!writes_own_content(it)) continue;
      uint64_t offset = 0;
      for (uint64_t c = it.content_begin; c < it.content_begin + it.content_count; ++c) {
        auto loc = repo_.index().Lookup(contents_[c], BlobType::kData);
        if (!loc) break;
        auto [pos, fresh] = pack_numbers.try_emplace(loc->pack, static_cast<uint32_t>(packs.size()));
        if (fresh) packs.push_back(loc->pack);
        writes.push_back({c, offset, pos->second, loc->offset, loc->length, loc->uncompressed_length,
                          static_cast<uint32_t>(i)});
        offset += loc->PlainLength();
      }
    }
    std::sort(writes.begin(), writes.end(), [](const BlobWrite& a, const BlobWrite& b) {
      return std::tie(a.pack, a.offset, a.file, a.file_offset) < std::tie(b.pack, b.offset, b.file, b.file_offset);
    });
    int workers = opt_.workers > 0 ? opt_.workers : static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
    ThreadPool pool(static_cast<size_t>(workers));
    WaitGroup wg;
    for (size_t begin = 0; begin < writes.size();) {
      size_t pack_end = begin;
      while (pack_end < writes.size() && writes[pack_end].pack == writes[begin].pack) ++pack_end;
      // A pack of small files is thousands of writes: cut into pieces so the
      // workers share it (10,000 small files fill two packs, one four times
      // the other). A blob written to several files stays in one piece.
      while (begin < pack_end) {
        size_t end = std::min(pack_end, begin + kWritesPerTask);
        while (end < pack_end && writes[end].offset == writes[end - 1].offset) ++end;
        wg.Add();
        pool.Submit([this, &wg, &packs, &writes, begin, end] {
          RestorePack(packs[writes[begin].pack], std::span<const BlobWrite>(writes.data() + begin, end - begin));
          wg.Done();
        });
        begin = end;
      }
    }
    wg.Wait();
  }

  bool Cancelled() const { return opt_.cancel && opt_.cancel->load(); }

  // `writes` are one pack's, sorted by offset: the covered range is read
  // once (through a window where range reads are cheap, so a worker holds a
  // few MiB rather than a whole pack) and every blob in it opened once,
  // however many files it feeds.
  void RestorePack(const Id& pack, std::span<const BlobWrite> writes) {
    if (Cancelled()) return;
    uint64_t begin = writes.front().offset;
    uint64_t end = 0;
    for (const BlobWrite& w : writes) end = std::max<uint64_t>(end, uint64_t{w.offset} + w.length);
    Backend& backend = repo_.backend();
    const Handle handle{FileType::kPack, pack.Hex()};
    const bool stream = backend.CheapRangeReads() && end - begin > kStreamSegment;
    if (stream) backend.Prefetch(handle, begin, end - begin);
    PackReader reader(backend, handle, {begin, end, stream, false});
    const Status loaded = stream ? Status::Ok() : reader.ReadAll();
    // Blobs are opened two at a time so that their IDs are checked with two
    // SHA-256 computations interleaved on one core (crypto/sha256_lanes.h).
    for (size_t first = 0; first < writes.size();) {
      const size_t second = NextBlob(writes, first);
      const size_t after = second < writes.size() ? NextBlob(writes, second) : second;
      Result<std::vector<uint8_t>> a = Unseal(reader, loaded, writes[first]);
      Result<std::vector<uint8_t>> b = Status(Code::kNotFound, "no second blob");
      if (second < after) b = Unseal(reader, loaded, writes[second]);
      // A blob that could not be opened hashes as nothing; its lane then costs one block.
      auto content = [](const Result<std::vector<uint8_t>>& r) {
        return r.ok() ? std::span<const uint8_t>(*r) : std::span<const uint8_t>();
      };
      auto [digest_a, digest_b] = crypto::Sha256Pair(content(a), content(b));
      if (a.ok()) ExpectId(&a, digest_a, writes[first]);
      if (b.ok()) ExpectId(&b, digest_b, writes[second]);
      WriteBlob(pack, writes.subspan(first, second - first), a);
      if (second < after) WriteBlob(pack, writes.subspan(second, after - second), b);
      first = after;
    }
  }

  // The first write after `i` that takes another blob (writes of one blob
  // are next to each other: the plan is sorted by offset).
  static size_t NextBlob(std::span<const BlobWrite> writes, size_t i) {
    size_t next = i + 1;
    while (next < writes.size() && writes[next].offset == writes[i].offset) ++next;
    return next;
  }

  // Decrypts and decompresses one blob; the caller checks its ID.
  Result<std::vector<uint8_t>> Unseal(PackReader& reader, const Status& loaded, const BlobWrite& w) {
    auto stored = loaded.ok() ? reader.Bytes(w.offset, w.length) : Result<std::span<const uint8_t>>(loaded);
    if (!stored.ok()) return stored.status();
    return UnsealBlob(*stored, {contents_[w.content], BlobType::kData, w.offset, w.length, w.uncompressed_length},
                      repo_.key());
  }

  void ExpectId(Result<std::vector<uint8_t>>* plain, const crypto::Sha256Digest& digest, const BlobWrite& w) {
    if (Status id = CheckBlobId(digest, contents_[w.content]); !id.ok()) *plain = id;
  }

  // Writes one opened blob wherever the plan puts it.
  void WriteBlob(const Id& pack, std::span<const BlobWrite> writes, const Result<std::vector<uint8_t>>& plain) {
    for (const BlobWrite& w : writes) {
      Item& it = items_[w.file];
      if (!plain.ok()) {
        Fail(it, plain.status().Annotate("pack " + pack.Short() + ", blob " + contents_[w.content].Short()));
        continue;
      }
      if (opt_.progress) {
        opt_.progress->bytes_done += plain->size();
        opt_.progress->SetCurrent(SnapPath(it));
      }
      if (AllZero(*plain)) continue;  // stays a hole
      Status s = WriteAt(it, *plain, w.file_offset);
      if (!s.ok()) Fail(it, s);
    }
  }

  // Creates the file (replacing whatever is at its path, never following
  // it) with its final size, so skipped zero blocks stay holes. Returns the
  // open descriptor: the first write uses it instead of opening the path
  // again (for the small files that are most of a tree, one open in three).
  Result<int> CreateFile(Item& it, const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST) {
      ::unlink(path.c_str());
      fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    }
    if (fd < 0) return ErrnoStatus("create " + path, errno);
    it.created = true;
    if (it.size > 0 && ::ftruncate(fd, static_cast<off_t>(it.size)) != 0) {
      int err = errno;
      ::close(fd);
      return ErrnoStatus("truncate " + path, err);
    }
    return fd;
  }

  Status WriteAt(Item& it, const std::vector<uint8_t>& data, uint64_t offset) {
    const std::string path = PathOf(it);
    int fd = -1;
    {
      std::lock_guard lock(create_mu_[reinterpret_cast<uintptr_t>(&it) / sizeof(Item) % kCreateStripes]);
      if (!it.created) {
        HORT_ASSIGN_OR_RETURN(fd, CreateFile(it, path));
      }
    }
    if (fd < 0) fd = ::open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus("open " + path, errno);
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        int err = errno;
        ::close(fd);
        return ErrnoStatus("write " + path, err);
      }
      done += static_cast<size_t>(n);
    }
    ::close(fd);
    return Status::Ok();
  }

  // Files no write created: empty ones, all-zero (sparse) ones and ones
  // whose data could not be read.
  void CreateUnwrittenFiles() {
    for (Item& it : items_) {
      if (!it.IsFile() || it.hardlink_of >= 0 || it.created) continue;
      auto fd = CreateFile(it, PathOf(it));
      if (fd.ok()) {
        ::close(*fd);
      } else {
        Fail(it, fd.status());
      }
    }
  }

  void RestoreOthersAndMetadata() {
    for (Item& it : items_) {
      if (it.IsFile() && it.hardlink_of >= 0) {
        const std::string path = PathOf(it);
        ::unlink(path.c_str());
        if (::link(PathOf(items_[static_cast<size_t>(it.hardlink_of)]).c_str(), path.c_str()) != 0) {
          Fail(it, ErrnoStatus("link " + path, errno));
        }
        continue;
      }
      if (it.IsFile() || it.IsDir() || it.kind == Kind::kOther) continue;  // sockets cannot be recreated
      const std::string path = PathOf(it);
      const uint64_t device = it.extra ? it.extra->device : 0;
      ::unlink(path.c_str());
      int rc = 0;
      switch (it.kind) {
        case Kind::kSymlink: rc = ::symlink(it.extra ? it.extra->linktarget.c_str() : "", path.c_str()); break;
        case Kind::kFifo: rc = ::mkfifo(path.c_str(), 0600); break;
        case Kind::kBlockDevice: rc = ::mknod(path.c_str(), S_IFBLK | 0600, static_cast<dev_t>(device)); break;
        case Kind::kCharDevice: rc = ::mknod(path.c_str(), S_IFCHR | 0600, static_cast<dev_t>(device)); break;
        default: break;
      }
      if (rc != 0) {
        Fail(it, ErrnoStatus("create " + path, errno));
        continue;
      }
      result_.others++;
    }
    // Owner, mode and times of files are three path-based calls each, for
    // every file: spread over the cores in blocks of consecutive items.
    std::atomic<size_t> next{0};
    auto set_files = [&] {
      constexpr size_t kBlock = 256;
      for (size_t begin = next.fetch_add(kBlock); begin < items_.size(); begin = next.fetch_add(kBlock)) {
        for (size_t i = begin; i < std::min(items_.size(), begin + kBlock); ++i) {
          Item& it = items_[i];
          if (!it.IsDir() && !it.failed && it.hardlink_of < 0 && it.kind != Kind::kOther) SetMetadata(it);
          if (opt_.progress && it.IsFile()) opt_.progress->items_done++;
        }
      }
    };
    RunParallel(std::clamp(std::thread::hardware_concurrency(), 1u, 8u), [&](unsigned) { set_files(); });
    // Directories last and deepest first: writing into them changes their mtime.
    std::vector<Item*> dirs;
    for (Item& it : items_) if (it.IsDir() && !it.failed) dirs.push_back(&it);
    std::stable_sort(dirs.begin(), dirs.end(), [](Item* a, Item* b) { return a->depth > b->depth; });
    for (Item* d : dirs) SetMetadata(*d);
  }

  void SetMetadata(Item& it) {
    const std::string path = PathOf(it);
    const char* p = path.c_str();
    const bool is_link = it.kind == Kind::kSymlink;
    if (::lchown(p, it.uid, it.gid) != 0 && errno != EPERM) Fail(it, ErrnoStatus("lchown " + path, errno));
    if (!is_link && ::chmod(p, PosixPermFromGoMode(it.mode)) != 0) Fail(it, ErrnoStatus("chmod " + path, errno));
    if (it.extra) {
      for (const auto& xa : it.extra->xattrs) {
        if (::lsetxattr(p, xa.name.c_str(), xa.value.data(), xa.value.size(), 0) != 0 && errno != ENOTSUP &&
            errno != EPERM) {
          Fail(it, ErrnoStatus("setxattr " + xa.name + " on " + path, errno));
        }
      }
    }
    struct timespec ts[2];
    ts[0] = {static_cast<time_t>(it.atime.sec), it.atime.nsec};
    ts[1] = {static_cast<time_t>(it.mtime.sec), it.mtime.nsec};
    if (::utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW) != 0) Fail(it, ErrnoStatus("utimes " + path, errno));
  }

  void Verify() {
    for (Item& it : items_) {
      if (!it.IsFile() || it.failed) continue;
      const std::string path = PathOf(it);
      int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) {
        Fail(it, ErrnoStatus("verify: open " + path, errno));
        continue;
      }
      uint64_t offset = 0;
      for (uint64_t c = it.content_begin; c < it.content_begin + it.content_count; ++c) {
        const Id& id = contents_[c];
        auto loc = repo_.index().Lookup(id, BlobType::kData);
        if (!loc) break;
        std::vector<uint8_t> buf(loc->PlainLength());
        ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(offset));
        if (n != static_cast<ssize_t>(buf.size()) || Id::Hash(buf) != id) {
          Fail(it, Status(Code::kCorruption, "verify: " + path + " differs from the snapshot at offset " +
                                                 std::to_string(offset)));
          break;
        }
        offset += buf.size();
      }
      ::close(fd);
      result_.verified_files++;
    }
  }

  void Fail(Item& it, const Status& s) {
    std::lock_guard lock(err_mu_);
    if (!it.failed) result_.errors++;
    if (opt_.progress) opt_.progress->errors++;
    it.failed = true;
    if (obs_) obs_->OnError(SnapPath(it), s);
  }

  Repository& repo_;
  const Snapshot& snap_;
  const RestoreOptions& opt_;
  RestoreObserver* obs_;
  std::string target_, snap_prefix_;
  std::deque<Item> items_;
  std::deque<Id> contents_;  // every file's blob IDs, back to back
  static constexpr size_t kCreateStripes = 64;
  // Blob writes one task restores at most (from one range of one pack).
  static constexpr size_t kWritesPerTask = 512;
  std::mutex create_mu_[kCreateStripes];  // no reallocation: a million items are never copied
  RestoreResult result_;
  std::mutex err_mu_;
};

}  // namespace

Result<RestoreResult> RunRestore(Repository& repo, const Snapshot& snapshot, const RestoreOptions& options,
                                 RestoreObserver* observer) {
  if (options.target.empty()) return Status(Code::kInvalidArgument, "please specify a target directory (--target)");
  Restore r(repo, snapshot, options, observer);
  return r.Run();
}

}  // namespace hort
