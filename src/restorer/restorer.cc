#include "restorer/restorer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
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
#include "format/tree.h"
#include "util/hex.h"
#include "util/thread_pool.h"

namespace hort {
namespace {

// What the restore needs of a tree node, and no more: one of these lives
// for every restored item until the end, so a million small files must not
// carry names, user and group strings, ctime or JSON they never use.
struct RestoreNode {
  std::string type;  // short: stays in the string's inline buffer
  uint32_t mode = 0, uid = 0, gid = 0;
  gojson::Timestamp mtime, atime;
  uint64_t inode = 0, device_id = 0, links = 0, device = 0;
  std::string linktarget;
  std::vector<ExtendedAttribute> xattrs;
  std::vector<Id> content;

  explicit RestoreNode(Node&& n)
      : type(std::move(n.type)), mode(n.mode), uid(n.uid), gid(n.gid), mtime(n.mtime), atime(n.atime),
        inode(n.inode), device_id(n.device_id), links(n.links), device(n.device),
        linktarget(std::move(n.linktarget)), xattrs(std::move(n.xattrs)), content(std::move(n.content)) {}
  [[nodiscard]] bool IsFile() const { return type == "file"; }
  [[nodiscard]] bool IsDir() const { return type == "dir"; }
};

struct Item {
  std::string path;  // absolute path below the target (the snapshot path is derived)
  RestoreNode node;
  int depth = 0;
  int hardlink_of = -1;  // index of the file this one is a hard link to
  bool failed = false;
  bool created = false;  // files: created by the first write (guarded by a stripe lock)
  uint64_t size = 0;     // files: the restored length
};

// One blob written to one place in one file. The whole restore plan is one
// flat vector of these, sorted by pack and offset: a blob shared by several
// files appears once per target and is decrypted once.
struct BlobWrite {
  Id id;
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
    return PlanTree(root, target_, snap_prefix, 0, false).status();
  }

  std::string SnapPath(const Item& it) const { return snap_prefix_ + it.path.substr(target_.size()); }

  static std::string AbsoluteTarget(std::string t) {
    while (t.size() > 1 && t.back() == '/') t.pop_back();
    if (t.empty() || t[0] != '/') {
      char cwd[4096];
      if (::getcwd(cwd, sizeof(cwd))) t = std::string(cwd) + "/" + t;
    }
    return t;
  }

  // Returns whether anything below was selected.
  Result<bool> PlanTree(const Id& tree, const std::string& dir, const std::string& snap_dir, int depth,
                        bool parent_included) {
    HORT_ASSIGN_OR_RETURN(auto nodes, LoadTree(tree));
    bool any = false;
    for (Node& n : nodes) {
      std::string snap_path = snap_dir + "/" + n.name;
      if (Excluded(snap_path)) continue;
      bool included = parent_included || IncludedByPattern(snap_path);
      std::string path = dir + "/" + n.name;
      std::optional<Id> subtree = n.subtree;
      bool is_dir = n.IsDir();
      Item item{path, RestoreNode(std::move(n)), depth, -1, false};
      if (is_dir) {
        size_t slot = items_.size();
        items_.push_back(std::move(item));
        bool below = false;
        if (subtree) {
          HORT_ASSIGN_OR_RETURN(below, PlanTree(*subtree, path, snap_path, depth + 1, included));
        }
        if (!included && !below) {
          items_.erase(items_.begin() + static_cast<long>(slot));  // nothing selected inside
          continue;
        }
        any = true;
        continue;
      }
      if (!included) continue;
      any = true;
      items_.push_back(std::move(item));
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
      if (it.node.IsDir()) {
        Status s = MakeDir(it.path);
        if (!s.ok()) Fail(it, s);
        result_.dirs++;
        continue;
      }
      if (!it.node.IsFile()) continue;
      if (it.node.links > 1) {
        auto key = std::make_pair(it.node.device_id, it.node.inode);
        auto [pos, fresh] = first_link.try_emplace(key, static_cast<int>(i));
        if (!fresh) it.hardlink_of = pos->second;
      }
      result_.files++;
      if (it.hardlink_of >= 0) continue;
      for (const Id& id : it.node.content) {
        auto loc = repo_.index().Lookup(id, BlobType::kData);
        if (!loc) {
          Fail(it, Status(Code::kNotFound, "data blob " + id.Short() + " is missing from the index"));
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
    for (size_t i = 0; i < items_.size(); ++i) {
      Item& it = items_[i];
      if (!it.node.IsFile() || it.hardlink_of >= 0 || it.failed) continue;
      uint64_t offset = 0;
      for (const Id& id : it.node.content) {
        auto loc = repo_.index().Lookup(id, BlobType::kData);
        if (!loc) break;
        auto [pos, fresh] = pack_numbers.try_emplace(loc->pack, static_cast<uint32_t>(packs.size()));
        if (fresh) packs.push_back(loc->pack);
        writes.push_back({id, offset, pos->second, loc->offset, loc->length, loc->uncompressed_length,
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
      size_t end = begin;
      while (end < writes.size() && writes[end].pack == writes[begin].pack) ++end;
      wg.Add();
      pool.Submit([this, &wg, &packs, &writes, begin, end] {
        RestorePack(packs[writes[begin].pack], std::span<const BlobWrite>(writes.data() + begin, end - begin));
        wg.Done();
      });
      begin = end;
    }
    wg.Wait();
  }

  bool Cancelled() const { return opt_.cancel && opt_.cancel->load(); }

  // `writes` are one pack's, sorted by offset: the covered range is fetched
  // once and every blob in it opened once, however many files it feeds.
  void RestorePack(const Id& pack, std::span<const BlobWrite> writes) {
    if (Cancelled()) return;
    uint64_t begin = writes.front().offset;
    uint64_t end = 0;
    for (const BlobWrite& w : writes) end = std::max<uint64_t>(end, uint64_t{w.offset} + w.length);
    auto data = repo_.backend().Load({FileType::kPack, pack.Hex()}, begin, end - begin);
    Result<std::vector<uint8_t>> plain = Status(Code::kInternal, "no blob opened yet");
    for (size_t i = 0; i < writes.size(); ++i) {
      const BlobWrite& w = writes[i];
      if (i == 0 || w.offset != writes[i - 1].offset) {
        plain = data.ok() ? OpenBlob(std::span<const uint8_t>(*data).subspan(w.offset - begin, w.length),
                                     {w.id, BlobType::kData, w.offset, w.length, w.uncompressed_length}, repo_.key())
                          : Result<std::vector<uint8_t>>(data.status());
      }
      Item& it = items_[w.file];
      if (opt_.progress && plain.ok()) {
        opt_.progress->bytes_done += plain->size();
        opt_.progress->SetCurrent(SnapPath(it));
      }
      if (!plain.ok()) {
        Fail(it, plain.status().Annotate("pack " + pack.Short() + ", blob " + w.id.Short()));
        continue;
      }
      if (AllZero(*plain)) continue;  // stays a hole
      Status s = WriteAt(it, *plain, w.file_offset);
      if (!s.ok()) Fail(it, s);
    }
  }

  // Creates the file (replacing whatever is at its path, never following
  // it) with its final size, so skipped zero blocks stay holes.
  Status CreateFile(Item& it) {
    ::unlink(it.path.c_str());
    int fd = ::open(it.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return ErrnoStatus("create " + it.path, errno);
    Status s;
    if (::ftruncate(fd, static_cast<off_t>(it.size)) != 0) s = ErrnoStatus("truncate " + it.path, errno);
    ::close(fd);
    it.created = true;
    return s;
  }

  Status WriteAt(Item& it, const std::vector<uint8_t>& data, uint64_t offset) {
    {
      std::lock_guard lock(create_mu_[reinterpret_cast<uintptr_t>(&it) / sizeof(Item) % kCreateStripes]);
      if (!it.created) HORT_RETURN_IF_ERROR(CreateFile(it));
    }
    int fd = ::open(it.path.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus("open " + it.path, errno);
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        int err = errno;
        ::close(fd);
        return ErrnoStatus("write " + it.path, err);
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
      if (!it.node.IsFile() || it.hardlink_of >= 0 || it.created) continue;
      Status s = CreateFile(it);
      if (!s.ok()) Fail(it, s);
    }
  }

  void RestoreOthersAndMetadata() {
    for (Item& it : items_) {
      const RestoreNode& n = it.node;
      if (n.IsFile() && it.hardlink_of >= 0) {
        ::unlink(it.path.c_str());
        if (::link(items_[static_cast<size_t>(it.hardlink_of)].path.c_str(), it.path.c_str()) != 0) {
          Fail(it, ErrnoStatus("link " + it.path, errno));
        }
        continue;
      }
      if (n.IsFile() || n.IsDir()) continue;
      ::unlink(it.path.c_str());
      int rc = 0;
      if (n.type == "symlink") {
        rc = ::symlink(n.linktarget.c_str(), it.path.c_str());
      } else if (n.type == "fifo") {
        rc = ::mkfifo(it.path.c_str(), 0600);
      } else if (n.type == "dev") {
        rc = ::mknod(it.path.c_str(), S_IFBLK | 0600, static_cast<dev_t>(n.device));
      } else if (n.type == "chardev") {
        rc = ::mknod(it.path.c_str(), S_IFCHR | 0600, static_cast<dev_t>(n.device));
      } else {
        continue;  // sockets and irregular files cannot be recreated
      }
      if (rc != 0) {
        Fail(it, ErrnoStatus("create " + it.path, errno));
        continue;
      }
      result_.others++;
    }
    for (Item& it : items_) {
      if (!it.node.IsDir() && !it.failed && it.hardlink_of < 0) SetMetadata(it);
      if (opt_.progress && it.node.IsFile()) opt_.progress->items_done++;
    }
    // Directories last and deepest first: writing into them changes their mtime.
    std::vector<Item*> dirs;
    for (Item& it : items_) if (it.node.IsDir() && !it.failed) dirs.push_back(&it);
    std::stable_sort(dirs.begin(), dirs.end(), [](Item* a, Item* b) { return a->depth > b->depth; });
    for (Item* d : dirs) SetMetadata(*d);
  }

  void SetMetadata(Item& it) {
    const RestoreNode& n = it.node;
    const char* p = it.path.c_str();
    bool is_link = n.type == "symlink";
    if (::lchown(p, n.uid, n.gid) != 0 && errno != EPERM) Fail(it, ErrnoStatus("lchown " + it.path, errno));
    if (!is_link && ::chmod(p, PosixPermFromGoMode(n.mode)) != 0) Fail(it, ErrnoStatus("chmod " + it.path, errno));
    for (const auto& xa : n.xattrs) {
      if (::lsetxattr(p, xa.name.c_str(), xa.value.data(), xa.value.size(), 0) != 0 && errno != ENOTSUP &&
          errno != EPERM) {
        Fail(it, ErrnoStatus("setxattr " + xa.name + " on " + it.path, errno));
      }
    }
    struct timespec ts[2];
    ts[0] = {static_cast<time_t>(n.atime.sec), n.atime.nsec};
    ts[1] = {static_cast<time_t>(n.mtime.sec), n.mtime.nsec};
    if (::utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW) != 0) Fail(it, ErrnoStatus("utimes " + it.path, errno));
  }

  void Verify() {
    for (Item& it : items_) {
      if (!it.node.IsFile() || it.failed) continue;
      int fd = ::open(it.path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) {
        Fail(it, ErrnoStatus("verify: open " + it.path, errno));
        continue;
      }
      uint64_t offset = 0;
      for (const Id& id : it.node.content) {
        auto loc = repo_.index().Lookup(id, BlobType::kData);
        if (!loc) break;
        std::vector<uint8_t> buf(loc->PlainLength());
        ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(offset));
        if (n != static_cast<ssize_t>(buf.size()) || Id::Hash(buf) != id) {
          Fail(it, Status(Code::kCorruption, "verify: " + it.path + " differs from the snapshot at offset " +
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
  static constexpr size_t kCreateStripes = 64;
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
