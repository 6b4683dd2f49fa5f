// Reads a range of one pack front to back, serving blobs in offset order.
// Streaming (local folders): the bytes pass through a window of a few MiB,
// so a worker holds one window, not a 16 MiB pack. Whole (object stores,
// REST servers, small ranges): one read, served from memory. check hashes
// the whole file on the way (its SHA-256 is the pack's name); restore reads
// only the range its blobs cover and hashes nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "backend/backend.h"
#include "crypto/crypto.h"
#include "format/id.h"
#include "util/status.h"

namespace hort {

inline constexpr uint64_t kStreamSegment = 4ull << 20;

struct PackRange {
  uint64_t start = 0;
  uint64_t end = 0;     // exclusive; 0 = to the end of the file (whole reads only)
  bool stream = false;  // through a window, or one read (ReadAll)
  bool hash = true;     // SHA-256 of everything read
  // A digest computed earlier: not computed again, and only the bytes blobs
  // need are read.
  std::optional<crypto::Sha256Digest> known_digest;
};

class PackReader {
 public:
  PackReader(Backend& backend, Handle handle, PackRange range);
  ~PackReader();
  PackReader(const PackReader&) = delete;
  PackReader& operator=(const PackReader&) = delete;

  // Whole mode: reads the range at once. Streaming needs no call.
  [[nodiscard]] Status ReadAll();
  // The end of the range (the file's size when reading a whole pack).
  [[nodiscard]] uint64_t size() const { return end_; }
  // The header and its length trailer (the whole pack when read whole).
  [[nodiscard]] Result<std::span<const uint8_t>> Tail();
  // Stored bytes of one blob; valid until the next call. Offsets should
  // come in ascending order; an earlier one is read on its own.
  [[nodiscard]] Result<std::span<const uint8_t>> Bytes(uint64_t offset, uint64_t length);
  // Reads (and hashes) whatever no blob covered, up to the end.
  [[nodiscard]] Status Finish();
  // SHA-256 of everything read equals `name` (after ReadAll or Finish).
  [[nodiscard]] bool HashMatches(const Id& name) const;

 private:
  [[nodiscard]] Status ExtendTo(uint64_t end);

  Backend& backend_;
  Handle handle_;
  PackRange range_;
  uint64_t end_;
  // Bytes [window_start_, window_start_ + window_len_). When streaming, the
  // buffer is the thread's: kept at its largest size between readers, so
  // pieces are read straight into it, never into fresh zero-filled memory.
  std::vector<uint8_t> window_;
  uint64_t window_len_ = 0;
  uint64_t window_start_;
  uint64_t consumed_;  // the window may drop everything before this
  std::vector<uint8_t> tail_, side_;
  crypto::Sha256Hasher hasher_;
  crypto::Sha256Digest digest_{};
  bool finished_ = false;
};

}  // namespace hort
