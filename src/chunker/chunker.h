// restic's content-defined chunker: a Rabin fingerprint over a 64-byte window
// with a per-repository polynomial. Cut points must be identical to restic's
// so that both tools produce the same blobs for the same file.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "chunker/polynomial.h"

namespace hort::chunker {

inline constexpr size_t kMinSize = 512 * 1024;
inline constexpr size_t kMaxSize = 8 * 1024 * 1024;
inline constexpr size_t kWindowSize = 64;
inline constexpr uint64_t kSplitMask = (1ull << 20) - 1;

// Lookup tables derived from the polynomial; immutable, shared by threads.
struct Tables {
  explicit Tables(Pol pol);
  Pol pol;
  unsigned pol_shift;
  std::array<uint64_t, 256> out{};
  std::array<uint64_t, 256> mod{};
};

class Chunker {
 public:
  explicit Chunker(std::shared_ptr<const Tables> tables);

  // Starts a new file.
  void Reset();
  // Consumes bytes of the current chunk from `data`. Returns how many bytes
  // were consumed; `*cut` is true when those bytes complete a chunk (the
  // chunker is then ready for the next one).
  size_t Scan(std::span<const uint8_t> data, bool* cut);
  // Bytes in the chunk being built.
  [[nodiscard]] size_t pending() const { return count_; }

 private:
  void StartChunk();
  // The byte-at-a-time loop over data[begin, end), carrying the window.
  size_t ScanSerial(std::span<const uint8_t> data, size_t begin, size_t end, bool* cut);

  std::shared_ptr<const Tables> tables_;
  std::array<uint8_t, kWindowSize> window_{};
  size_t wpos_ = 0;
  size_t count_ = 0;
  size_t pre_ = 0;
  uint64_t digest_ = 0;
};

}  // namespace hort::chunker
