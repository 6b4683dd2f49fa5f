#include "volumes/block_cache.h"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include "util/hex.h"
#include "volumes/layout.h"

namespace hort::volumes {
namespace {

// v1: header strings, then 56-byte entries, then XXH3-128 of all before it.
constexpr std::string_view kMagic = "hort-volume-block-cache v1\n";
constexpr size_t kEntryBytes = 8 + 16 + 32;
constexpr size_t kSumBytes = 16;

FastHash ToBytes(XXH128_hash_t h) {
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, h);
  FastHash out;
  std::memcpy(out.data(), c.digest, out.size());
  return out;
}

void PutU64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
void PutString(std::string& out, const std::string& s) {
  PutU64(out, s.size());
  out += s;
}

// Reads the encoding back; every read is bounds-checked, so a truncated or
// garbled file only fails.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool U64(uint64_t* v) {
    if (data_.size() - at_ < 8) return false;
    *v = 0;
    for (int i = 0; i < 8; ++i) *v |= uint64_t{static_cast<uint8_t>(data_[at_ + i])} << (8 * i);
    at_ += 8;
    return true;
  }
  bool String(std::string* s) {
    uint64_t n = 0;
    if (!U64(&n) || n > data_.size() - at_) return false;
    s->assign(data_.substr(at_, n));
    at_ += n;
    return true;
  }
  bool Bytes(uint8_t* out, size_t n) {
    if (data_.size() - at_ < n) return false;
    std::memcpy(out, data_.data() + at_, n);
    at_ += n;
    return true;
  }
  [[nodiscard]] size_t left() const { return data_.size() - at_; }

 private:
  std::string_view data_;
  size_t at_ = 0;
};

std::string KeyText(const BlockCacheKey& key) {
  std::string out;
  PutString(out, key.store);
  PutString(out, key.volume);
  PutString(out, key.source);
  PutU64(out, key.block_size);
  return out;
}

Result<std::string> ReadWhole(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open " + path, errno);
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      return ErrnoStatus("read " + path, e);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Status WriteWhole(const std::string& path, std::string_view data) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus("create " + path, errno);
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      return ErrnoStatus("write " + path, e);
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) return ErrnoStatus("close " + path, errno);
  return Status::Ok();
}

}  // namespace

std::string BlockCacheStoreKey(const std::string& url) {
  if (url.find("://") != std::string::npos) return url;
  std::error_code ec;
  const auto abs = std::filesystem::absolute(url, ec);
  return ec ? url : abs.lexically_normal().string();
}

std::string BlockCacheSourceKey(const std::string& path) { return BlockCacheStoreKey(path); }

FastHash FastBlockHash(std::span<const uint8_t> data) { return ToBytes(XXH3_128bits(data.data(), data.size())); }

std::string BlockCache::PathFor(const std::string& dir, const BlockCacheKey& key) {
  const std::string text = KeyText(key);
  const FastHash id = ToBytes(XXH3_128bits(text.data(), text.size()));
  return dir + "/volumes/" + HexEncode(id) + ".cache";
}

BlockCache BlockCache::Load(const std::string& dir, const BlockCacheKey& key, const std::string& last_backup,
                            std::string* why) {
  BlockCache empty;
  auto reject = [&](const std::string& reason) {
    if (why) *why = reason;
    return empty;
  };
  if (last_backup.empty()) return reject("the volume has no finished last backup");
  const std::string path = PathFor(dir, key);
  auto data = ReadWhole(path);
  if (!data.ok()) return reject(data.status().code() == Code::kNotFound ? "no cache yet" : data.status().message());
  const std::string_view all(*data);
  // The checksum first: nothing of a damaged file is parsed.
  if (all.size() < kMagic.size() + kSumBytes || all.substr(0, kMagic.size()) != kMagic) {
    return reject("not a block cache of this version: " + path);
  }
  const std::string_view body = all.substr(0, all.size() - kSumBytes);
  const FastHash sum = ToBytes(XXH3_128bits(body.data(), body.size()));
  if (std::memcmp(sum.data(), all.data() + body.size(), kSumBytes) != 0) return reject("damaged (checksum): " + path);

  Reader r(body.substr(kMagic.size()));
  BlockCacheKey got;
  std::string backup;
  uint64_t count = 0;
  if (!r.String(&got.store) || !r.String(&got.volume) || !r.String(&got.source) || !r.U64(&got.block_size) ||
      !r.String(&backup) || !r.U64(&count) || count > r.left() / kEntryBytes || r.left() != count * kEntryBytes) {
    return reject("damaged (layout): " + path);
  }
  if (got.store != key.store || got.volume != key.volume || got.source != key.source) {
    return reject("written for another store, volume or source: " + path);
  }
  if (got.block_size != key.block_size) return reject("written for another block size");
  if (backup != last_backup) return reject("written by backup " + backup + ", the volume's last backup is " + last_backup);
  BlockCache cache;
  cache.blocks_.resize(count);
  for (uint64_t i = 0; i < count; ++i) {
    CachedBlock& b = cache.blocks_[i];
    if (!r.U64(&b.offset) || !r.Bytes(b.fast.data(), b.fast.size()) || !r.Bytes(b.name.data(), b.name.size())) {
      return reject("damaged (entries): " + path);
    }
    // Offsets strictly increasing and aligned, as Save writes them: Find
    // relies on the order, and an entry may stand for one block only.
    if ((i > 0 && b.offset <= cache.blocks_[i - 1].offset) || b.offset % key.block_size != 0) {
      return reject("damaged (offsets): " + path);
    }
  }
  if (why) why->clear();
  return cache;
}

Status BlockCache::Save(const std::string& dir, const BlockCacheKey& key, const std::string& backup,
                        std::vector<CachedBlock> blocks) {
  std::sort(blocks.begin(), blocks.end(), [](const CachedBlock& a, const CachedBlock& b) { return a.offset < b.offset; });
  std::string out(kMagic);
  out.reserve(out.size() + 256 + blocks.size() * kEntryBytes + kSumBytes);
  out += KeyText(key);
  PutString(out, backup);
  PutU64(out, blocks.size());
  for (const CachedBlock& b : blocks) {
    PutU64(out, b.offset);
    out.append(reinterpret_cast<const char*>(b.fast.data()), b.fast.size());
    out.append(reinterpret_cast<const char*>(b.name.data()), b.name.size());
  }
  const FastHash sum = ToBytes(XXH3_128bits(out.data(), out.size()));
  out.append(reinterpret_cast<const char*>(sum.data()), sum.size());

  const std::string path = PathFor(dir, key);
  std::error_code ec;
  std::filesystem::create_directories(dir + "/volumes", ec);
  if (ec) return Status(Code::kIo, "create " + dir + "/volumes: " + ec.message());
  // A name of its own per writer: two backups of one volume finishing at
  // once each rename a whole file (the lock makes that rare anyway).
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}());
  if (Status s = WriteWhole(tmp, out); !s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    return ErrnoStatus("rename " + tmp, e);
  }
  return Status::Ok();
}

const ChecksumBytes* BlockCache::Find(uint64_t offset, const FastHash& fast) const {
  auto it = std::lower_bound(blocks_.begin(), blocks_.end(), offset,
                             [](const CachedBlock& b, uint64_t o) { return b.offset < o; });
  if (it == blocks_.end() || it->offset != offset || it->fast != fast) return nullptr;
  return &it->name;
}

BlockNamer::Named BlockNamer::Name(uint64_t offset, std::span<const uint8_t> data) {
  Named n;
  CachedBlock seen;
  if (record_ || cache_.size() > 0) seen.fast = FastBlockHash(data);
  const ChecksumBytes* cached = cache_.size() > 0 ? cache_.Find(offset, seen.fast) : nullptr;
  if (cached && present_.Contains(*cached)) {
    seen.name = *cached;
    n.checksum = HexEncode(*cached);
    n.stored = true;
    ++from_cache_;
  } else {
    n.checksum = LonghornChecksum(data);
    seen.name = ChecksumFromHex(n.checksum);
    n.stored = present_.Contains(seen.name);
  }
  if (record_) {
    seen.offset = offset;
    std::lock_guard lock(mu_);
    seen_.push_back(seen);
  }
  return n;
}

std::vector<CachedBlock> BlockNamer::Take() {
  std::lock_guard lock(mu_);
  return std::move(seen_);
}

}  // namespace hort::volumes
