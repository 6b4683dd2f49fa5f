#include "objstore/part_spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <utility>
#include <vector>

#include "util/log.h"

namespace hort {
namespace {

// Said once per process: every upload would otherwise repeat it.
void WarnOnce(const std::string& message) {
  static std::atomic<bool> said{false};
  if (!said.exchange(true)) LogWarning(message + "; S3 parts are held in memory instead");
}

std::string SpoolFolder(const std::string& given) {
  if (!given.empty()) return given;
  const char* tmpdir = std::getenv("TMPDIR");
  return tmpdir != nullptr && tmpdir[0] != '\0' ? tmpdir : "/tmp";
}

// An unnamed file in `folder`, gone with its last descriptor and never to
// be linked (O_EXCL); -1 and errno when none can be made. A file system
// without O_TMPFILE gets a named file, unlinked at once.
int OpenUnnamedFile(const std::string& folder) {
  int fd = ::open(folder.c_str(), O_TMPFILE | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR)) return fd;
  std::string name = folder + "/hort-part-XXXXXX";
  fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd >= 0) ::unlink(name.c_str());
  return fd;
}

constexpr size_t kReadBackBytes = 1u << 20;

}  // namespace

PartSpool::PartSpool(std::string folder, uint64_t memory_room)
    : folder_(std::move(folder)), memory_room_(memory_room) {}

PartSpool::~PartSpool() {
  if (fd_ >= 0) ::close(fd_);
}

PartSpool::PartSpool(PartSpool&& other) noexcept
    : folder_(std::move(other.folder_)),
      fd_(std::exchange(other.fd_, -1)),
      tried_file_(std::exchange(other.tried_file_, false)),
      size_(std::exchange(other.size_, 0)),
      file_bytes_(std::exchange(other.file_bytes_, 0)),
      memory_room_(other.memory_room_),
      memory_(std::move(other.memory_)) {}

PartSpool& PartSpool::operator=(PartSpool&& other) noexcept {
  if (this == &other) return *this;
  if (fd_ >= 0) ::close(fd_);
  folder_ = std::move(other.folder_);
  fd_ = std::exchange(other.fd_, -1);
  tried_file_ = std::exchange(other.tried_file_, false);
  size_ = std::exchange(other.size_, 0);
  file_bytes_ = std::exchange(other.file_bytes_, 0);
  memory_room_ = other.memory_room_;
  memory_ = std::move(other.memory_);
  return *this;
}

void PartSpool::OpenFile() {
  tried_file_ = true;
  const std::string folder = SpoolFolder(folder_);
  fd_ = OpenUnnamedFile(folder);
  if (fd_ < 0) WarnOnce("no temporary file can be made in " + folder + ": " + std::strerror(errno));
}

Status PartSpool::Append(std::span<const uint8_t> data) {
  if (data.empty()) return Status::Ok();
  if (!tried_file_) OpenFile();
  if (fd_ >= 0) {
    uint64_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(size_ + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        WarnOnce("a temporary file in " + SpoolFolder(folder_) + " cannot be written: " +
                 std::strerror(n < 0 ? errno : EIO));
        HORT_RETURN_IF_ERROR(FallBackToMemory());
        break;
      }
      done += static_cast<uint64_t>(n);
    }
    if (fd_ >= 0) {
      size_ += data.size();
      file_bytes_ = std::max(file_bytes_, size_);
      return Status::Ok();
    }
  }
  ReserveMemory(size_ + data.size());
  memory_.Append(data);
  size_ += data.size();
  return Status::Ok();
}

Status PartSpool::ReadFile(const std::function<void(std::span<const uint8_t>)>& piece) const {
  std::vector<uint8_t> buffer(std::min<uint64_t>(kReadBackBytes, size_));
  for (uint64_t at = 0; at < size_;) {
    const ssize_t n = ::pread(fd_, buffer.data(), std::min<uint64_t>(buffer.size(), size_ - at), static_cast<off_t>(at));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ErrnoStatus("read back the part spooled in " + SpoolFolder(folder_), n < 0 ? errno : EIO);
    piece({buffer.data(), static_cast<size_t>(n)});
    at += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

void PartSpool::ReserveMemory(uint64_t bytes) {
  if (bytes <= memory_.capacity()) return;
  memory_.Reserve(std::max({bytes, memory_room_, uint64_t{memory_.capacity()} * 2}));
}

Status PartSpool::FallBackToMemory() {
  memory_.Clear();
  ReserveMemory(size_);
  Status read = ReadFile([&](std::span<const uint8_t> piece) { memory_.Append(piece); });
  if (!read.ok()) {
    memory_.Release();  // still in the file, as before
    return read;
  }
  ::close(fd_);
  fd_ = -1;
  return Status::Ok();
}

void PartSpool::Clear() {
  size_ = 0;  // what the file holds beyond size() is never read
  memory_.Clear();
}

Result<crypto::Sha256Digest> PartSpool::Sha256() const {
  if (fd_ < 0) return crypto::Sha256(memory_.bytes());
  crypto::Sha256Hasher hasher;
  HORT_RETURN_IF_ERROR(ReadFile([&](std::span<const uint8_t> piece) { hasher.Update(piece); }));
  return hasher.Final();
}

}  // namespace hort
