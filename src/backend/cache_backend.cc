// A local cache in front of a remote backend, like restic's: index files,
// snapshots and tree packs are kept on disk, so a no-change backup or an ls
// does not download them again. Cached files are verified (their name is
// their SHA-256) before use; files deleted remotely are dropped when listed.
// A tree pack is verified once per process, not once per tree read from it:
// a 16 MiB pack holds thousands of trees, and hashing it whole for each of
// them made a walk over many trees quadratic in the pack's size.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "backend/forwarding_backend.h"
#include "objstore/durable_file.h"
#include "crypto/crypto.h"
#include "util/hex.h"

namespace hort {
namespace {

namespace fs = std::filesystem;

bool Cacheable(FileType t) { return t == FileType::kIndex || t == FileType::kSnapshot || t == FileType::kPack; }

class CacheBackend final : public ForwardingBackend {
 public:
  CacheBackend(std::unique_ptr<Backend> inner, std::string dir) : ForwardingBackend(std::move(inner)), dir_(std::move(dir)) {}

  Status Save(const Handle& h, std::span<const uint8_t> data) override {
    HORT_RETURN_IF_ERROR(target_->Save(h, data));
    if (h.type == FileType::kIndex || h.type == FileType::kSnapshot || (h.type == FileType::kPack && h.tree_pack)) {
      Store(h, data);
    }
    return Status::Ok();
  }

  // Tree packs go whole through Save, which keeps a copy; data packs stream.
  std::unique_ptr<BackendUpload> BeginUpload(FileType type, bool tree_pack) override {
    if (tree_pack) return nullptr;
    return target_->BeginUpload(type, tree_pack);
  }

  Result<std::vector<uint8_t>> Load(const Handle& h, uint64_t offset, uint64_t length) override {
    if (h.type == FileType::kIndex || h.type == FileType::kSnapshot) {
      if (auto cached = Read(h)) return Slice(*cached, offset, length);
      HORT_ASSIGN_OR_RETURN(auto all, target_->Load(h, 0, 0));
      Store(h, all);
      return Slice(all, offset, length);
    }
    if (h.type == FileType::kPack) {
      if (auto cached = ReadRange(h, offset, length)) return std::move(*cached);
    }
    return target_->Load(h, offset, length);
  }

  Result<std::vector<uint8_t>> LoadCached(const Handle& h, uint64_t offset, uint64_t length) override {
    if (h.type != FileType::kPack) return Load(h, offset, length);
    if (auto cached = ReadRange(h, offset, length)) return std::move(*cached);
    HORT_ASSIGN_OR_RETURN(auto all, target_->Load(h, 0, 0));
    Store(h, all);
    return Slice(all, offset, length);
  }

  // A pack the cache holds is read from it: asked for ahead, the remote's
  // copy would be fetched and held until the store ends (check asks for its
  // first packs by ID, tree packs among them), taking a read ahead's room.
  void ReadAhead(const Handle& h, uint64_t offset, uint64_t length) override {
    if (h.type == FileType::kPack && HasCached(h)) return;
    target_->ReadAhead(h, offset, length);
  }

  // Packs not in the cache go straight into `out`; everything else through
  // Load, which serves and fills the cache.
  Status LoadInto(const Handle& h, uint64_t offset, std::span<uint8_t> out) override {
    if (h.type == FileType::kPack && !HasCached(h)) return target_->LoadInto(h, offset, out);
    return Backend::LoadInto(h, offset, out);
  }

  Status List(FileType type, const std::function<void(const std::string&, uint64_t)>& fn) override {
    std::vector<std::string> names;
    HORT_RETURN_IF_ERROR(target_->List(type, [&](const std::string& n, uint64_t size) {
      names.push_back(n);
      fn(n, size);
    }));
    if (Cacheable(type)) Expire(type, names);
    return Status::Ok();
  }

  Status Remove(const Handle& h) override {
    std::error_code ec;
    fs::remove(PathOf(h), ec);
    return target_->Remove(h);
  }

 private:
  std::string PathOf(const Handle& h) const {
    std::string dir = dir_ + "/" + FileTypeDir(h.type);
    if (h.type == FileType::kPack) dir += "/" + h.name.substr(0, 2);
    return dir + "/" + h.name;
  }

  bool HasCached(const Handle& h) const {
    std::error_code ec;
    return fs::exists(PathOf(h), ec);
  }

  static Result<std::vector<uint8_t>> Slice(const std::vector<uint8_t>& all, uint64_t offset, uint64_t length) {
    uint64_t want = length == 0 ? (offset <= all.size() ? all.size() - offset : 0) : length;
    if (offset + want > all.size()) return Status(Code::kCorruption, "read beyond the end of a cached file");
    return std::vector<uint8_t>(all.begin() + static_cast<long>(offset), all.begin() + static_cast<long>(offset + want));
  }

  // What a verified cached file looked like when its hash was checked: a
  // file changed since (another size or modification time) is checked again.
  struct Seen {
    off_t size;
    struct timespec mtime;
    bool operator==(const Seen& o) const {
      return size == o.size && mtime.tv_sec == o.mtime.tv_sec && mtime.tv_nsec == o.mtime.tv_nsec;
    }
  };
  static Seen SeenOf(const struct stat& st) { return Seen{st.st_size, st.st_mtim}; }

  // A whole cached file, or nullopt; a damaged one (its content does not
  // hash to its name) is dropped, never trusted. `seen` gets what was read.
  std::optional<std::vector<uint8_t>> ReadVerified(const Handle& h, int fd, Seen* seen) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return std::nullopt;
    std::vector<uint8_t> data(static_cast<size_t>(st.st_size));
    if (!ReadAt(fd, PathOf(h), 0, data).ok()) return std::nullopt;
    if (HexEncode(crypto::Sha256(data)) != h.name) {
      std::error_code ec;
      fs::remove(PathOf(h), ec);
      return std::nullopt;
    }
    *seen = SeenOf(st);
    return data;
  }

  std::optional<std::vector<uint8_t>> Read(const Handle& h) {
    const int fd = ::open(PathOf(h).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    Seen seen{};
    auto data = ReadVerified(h, fd, &seen);
    ::close(fd);
    return data;
  }

  // A range of a cached pack: the first read in this process hashes the
  // whole file; later reads of the same unchanged file read just the range.
  std::optional<std::vector<uint8_t>> ReadRange(const Handle& h, uint64_t offset, uint64_t length) {
    const int fd = ::open(PathOf(h).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    std::optional<std::vector<uint8_t>> out;
    struct stat st {};
    bool verified = false;
    if (::fstat(fd, &st) == 0) {
      std::lock_guard lock(mu_);
      auto it = verified_.find(h.name);
      verified = it != verified_.end() && it->second == SeenOf(st);
    }
    if (verified) {
      const uint64_t size = static_cast<uint64_t>(st.st_size);
      const uint64_t want = length == 0 ? (offset <= size ? size - offset : 0) : length;
      if (offset + want <= size) {
        out.emplace(want);
        if (!ReadAt(fd, PathOf(h), offset, *out).ok()) out.reset();
      }
    } else {
      Seen seen{};
      if (auto all = ReadVerified(h, fd, &seen)) {
        Remember(h, seen);
        if (auto part = Slice(*all, offset, length); part.ok()) out = std::move(*part);
      }
    }
    ::close(fd);
    return out;  // nothing: the remote answers instead
  }

  void Remember(const Handle& h, const Seen& seen) {
    std::lock_guard lock(mu_);
    verified_[h.name] = seen;
  }

  void Store(const Handle& h, std::span<const uint8_t> data) {
    if (HexEncode(crypto::Sha256(data)) != h.name) return;
    std::string path = PathOf(h);
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    std::string tmp = path + ".tmp" + std::to_string(::getpid());
    {
      std::ofstream out(tmp, std::ios::binary);
      out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
      if (!out) return;
    }
    fs::rename(tmp, path, ec);  // a cache: best effort, no fsync
    struct stat st {};
    if (!ec && h.type == FileType::kPack && ::stat(path.c_str(), &st) == 0) Remember(h, SeenOf(st));
  }

  void Expire(FileType type, const std::vector<std::string>& present) {
    std::unordered_set<std::string> keep(present.begin(), present.end());
    std::error_code ec;
    fs::path root = dir_ + "/" + FileTypeDir(type);
    if (!fs::exists(root, ec)) return;
    for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      if (it->is_regular_file(ec) && !keep.count(it->path().filename().string())) fs::remove(it->path(), ec);
    }
  }

  std::string dir_;
  std::mutex mu_;
  std::unordered_map<std::string, Seen> verified_;  // pack name -> the file as it was hashed
};

}  // namespace

std::unique_ptr<Backend> NewCacheBackend(std::unique_ptr<Backend> inner, const std::string& dir) {
  // Marks the folder as used now: `cache` and --cleanup-cache judge a
  // folder's age by its mtime, as restic does. A folder not made yet is new.
  (void)::utimensat(AT_FDCWD, dir.c_str(), nullptr, 0);
  return std::make_unique<CacheBackend>(std::move(inner), dir);
}

}  // namespace hort
