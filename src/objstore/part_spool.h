// Where a streamed S3 upload holds the part it is filling until the part is
// sent. Like restic's temporary pack files: an unnamed file (O_TMPFILE) in
// $TMPDIR, else /tmp, so a part waiting for its connection lies in the page
// cache, which the kernel can write back and reclaim under pressure, rather
// than in hort's own memory, which it cannot (no swap in a pod). On tmpfs
// the part takes memory all the same, only outside hort's RSS. The parts
// in flight when an incremental backup's walk ends were most of its peak:
// 32-55 of 88-121 MiB on RGW (2026-12-06).
//
// When no such file can be made, or a write to it fails (TMPDIR read-only or
// full), the part is held in memory instead: what is in the file is read
// back once and the upload goes on; nothing is lost and no upload fails for
// want of a temporary folder.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "crypto/crypto.h"
#include "net/http_client.h"
#include "util/mapped_buffer.h"
#include "util/status.h"

namespace hort {

class PartSpool {
 public:
  // `folder`: where the file goes; empty = $TMPDIR, else /tmp. The file is
  // made at the first Append. `memory_room`: what memory a part that falls
  // back to it takes at once (a part and the blob that ends it), rather than
  // growing a blob at a time.
  explicit PartSpool(std::string folder = {}, uint64_t memory_room = 0);
  ~PartSpool();
  PartSpool(PartSpool&& other) noexcept;
  PartSpool& operator=(PartSpool&& other) noexcept;

  // All of `data` or, on failure, nothing: Append may be called again with
  // the same bytes.
  [[nodiscard]] Status Append(std::span<const uint8_t> data);
  [[nodiscard]] uint64_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  // True while the part is in a file (the usual case); false once it fell
  // back to memory.
  [[nodiscard]] bool in_file() const { return fd_ >= 0; }
  // The most the file has held: its pages stay until the spool goes.
  [[nodiscard]] uint64_t file_bytes() const { return file_bytes_; }
  // Empty again. The file keeps its pages for the next part, which writes
  // over them: in the page cache that is a copy, where pages given back and
  // taken again cost the kernel twice the copy (64 packs of 16 MiB: 0.08 s
  // against 0.17-0.21 s, 2026-12-06). They go with the spool.
  void Clear();

  // What a request sends: the file's first size() bytes, or the bytes in
  // memory (then body.fd is -1).
  [[nodiscard]] FileBody file_body() const { return {fd_, size_}; }
  [[nodiscard]] std::span<const uint8_t> memory_bytes() const { return memory_.bytes(); }
  // The SHA-256 of the part (read back from the file: a multipart upload's
  // parts are signed one by one, and most packs are never split).
  [[nodiscard]] Result<crypto::Sha256Digest> Sha256() const;

 private:
  void OpenFile();
  // The file's first size() bytes, a piece at a time.
  [[nodiscard]] Status ReadFile(const std::function<void(std::span<const uint8_t>)>& piece) const;
  // Moves what the file holds into memory and closes it; on failure
  // nothing changes.
  [[nodiscard]] Status FallBackToMemory();
  // Room in memory for `bytes` in all, taken at least `memory_room_` and
  // doubling at a time.
  void ReserveMemory(uint64_t bytes);

  std::string folder_;
  int fd_ = -1;
  bool tried_file_ = false;  // a file was opened, or could not be
  uint64_t size_ = 0;
  uint64_t file_bytes_ = 0;
  uint64_t memory_room_ = 0;
  MappedBuffer memory_;  // the fallback
};

}  // namespace hort
