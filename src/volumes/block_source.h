// What a volume backup reads: a block device, a raw image file, or a
// snapshot of either (an LVM or CSI snapshot device, a copied image).
// Holes of sparse files are found with SEEK_DATA/SEEK_HOLE so that a 16 GiB
// image holding 1 GiB is read as 1 GiB; devices report no holes.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "util/status.h"

namespace hort::volumes {

class BlockSource {
 public:
  [[nodiscard]] static Result<BlockSource> Open(const std::string& path);
  BlockSource(BlockSource&& other) noexcept;
  BlockSource& operator=(BlockSource&&) = delete;
  ~BlockSource();

  [[nodiscard]] uint64_t size() const { return size_; }
  [[nodiscard]] bool is_device() const { return device_; }
  // The first offset >= `from` that may hold data; size() when only holes
  // follow. Without SEEK_DATA support: `from`.
  [[nodiscard]] uint64_t NextData(uint64_t from) const;
  // Reads exactly out.size() bytes at `offset`.
  [[nodiscard]] Status ReadAt(uint64_t offset, std::span<uint8_t> out) const;

 private:
  BlockSource(int fd, std::string path, uint64_t size, bool device)
      : fd_(fd), path_(std::move(path)), size_(size), device_(device) {}
  int fd_;
  std::string path_;
  uint64_t size_;
  bool device_;
};

// Reads exactly out.size() bytes at `offset` of `fd` (retrying short
// reads); bytes past the end of the file read as zeros when `zero_past_end`.
[[nodiscard]] Status PreadFull(int fd, const std::string& path, std::span<uint8_t> out, uint64_t offset,
                               bool zero_past_end);

// Block device size (BLKGETSIZE64) or file size of an open descriptor.
[[nodiscard]] Result<uint64_t> SizeOfFd(int fd, const std::string& path, bool* is_device);

}  // namespace hort::volumes
