#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "util/status.h"

struct ZSTD_CCtx_s;

namespace hort {

enum class CompressionMode { kAuto, kOff, kMax };

// `data` with `headroom` zero bytes before it and `tailroom` after it, built
// by insertion: a vector sized first and copied over is zeroed whole, so
// every byte stored would be written twice.
[[nodiscard]] std::vector<uint8_t> CopyWithRoom(std::span<const uint8_t> data, size_t headroom, size_t tailroom);

// zstd; level follows restic's modes (auto = fast default, max = best).
// `headroom` bytes are left free before the output and `tailroom` after it
// (for an IV and a MAC, so the result can be sealed in place).
[[nodiscard]] std::vector<uint8_t> ZstdCompress(std::span<const uint8_t> data, CompressionMode mode,
                                                size_t headroom = 0, size_t tailroom = 0);
// zstd at auto's level over input that arrives in pieces, so a large text
// (an index file) is never held whole beside its compressed form. The frame
// carries no content size; restic and ZstdDecompress read such frames.
class ZstdStream {
 public:
  explicit ZstdStream(size_t headroom);
  ~ZstdStream();
  ZstdStream(const ZstdStream&) = delete;
  ZstdStream& operator=(const ZstdStream&) = delete;
  void Append(std::span<const uint8_t> piece);
  // The compressed frame after `headroom` free bytes, with `tailroom` free bytes after it.
  [[nodiscard]] std::vector<uint8_t> Finish(size_t tailroom);

 private:
  void Run(std::span<const uint8_t> piece, bool end);
  ::ZSTD_CCtx_s* ctx_;
  std::vector<uint8_t> out_;
};

// True when a blob is (almost certainly) not worth compressing: the byte
// entropy of three 4 KiB samples is above 7.95 bits per byte, as in
// encrypted, already compressed or random data. `auto` then stores the blob
// uncompressed — valid in format 2, read by restic — and skips zstd's work.
[[nodiscard]] bool LooksIncompressible(std::span<const uint8_t> data);

// `expected_size` may be 0 when unknown. Sizes are not trusted with an
// allocation (issue #25): output beyond `expected_size`, short of it, or a
// size zstd cannot reach from this much input is kCorruption, and memory
// follows the output actually decoded.
[[nodiscard]] Result<std::vector<uint8_t>> ZstdDecompress(std::span<const uint8_t> data,
                                                          size_t expected_size = 0);

}  // namespace hort
