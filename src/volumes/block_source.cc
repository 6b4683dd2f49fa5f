#include "volumes/block_source.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hort::volumes {

Result<uint64_t> SizeOfFd(int fd, const std::string& path, bool* is_device) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return ErrnoStatus("stat " + path, errno);
  *is_device = S_ISBLK(st.st_mode);
  if (*is_device) {
    uint64_t bytes = 0;
    if (::ioctl(fd, BLKGETSIZE64, &bytes) != 0) return ErrnoStatus("size of device " + path, errno);
    return bytes;
  }
  if (!S_ISREG(st.st_mode)) {
    return Status(Code::kInvalidArgument, path + " is neither a block device nor a regular file (an image)");
  }
  return static_cast<uint64_t>(st.st_size);
}

Result<BlockSource> BlockSource::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open " + path, errno);
  bool device = false;
  auto size = SizeOfFd(fd, path, &device);
  if (!size.ok()) {
    ::close(fd);
    return size.status();
  }
  (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return BlockSource(fd, path, *size, device);
}

BlockSource::BlockSource(BlockSource&& other) noexcept
    : fd_(other.fd_), path_(std::move(other.path_)), size_(other.size_), device_(other.device_) {
  other.fd_ = -1;
}

BlockSource::~BlockSource() {
  if (fd_ >= 0) ::close(fd_);
}

uint64_t BlockSource::NextData(uint64_t from) const {
  if (device_ || from >= size_) return from >= size_ ? size_ : from;
  const off_t at = ::lseek(fd_, static_cast<off_t>(from), SEEK_DATA);
  if (at < 0) return errno == ENXIO ? size_ : from;  // ENXIO: only holes follow
  return static_cast<uint64_t>(at);
}

Status BlockSource::ReadAt(uint64_t offset, std::span<uint8_t> out) const {
  return PreadFull(fd_, path_, out, offset, false);
}

Status PreadFull(int fd, const std::string& path, std::span<uint8_t> out, uint64_t offset, bool zero_past_end) {
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("read " + path + " at " + std::to_string(offset + done), errno);
    }
    if (n == 0) {
      if (!zero_past_end) return Status(Code::kIo, path + " ended at " + std::to_string(offset + done) + " while being read");
      std::memset(out.data() + done, 0, out.size() - done);
      return Status::Ok();
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace hort::volumes
