// Reads a range of one pack front to back, serving blobs in offset order.
// Streaming (local folders): the bytes pass through a window of a few MiB,
// so a worker holds one window, not a 16 MiB pack. Whole (object stores,
// REST servers, small ranges): one read, served from memory. check hashes
// the whole file (its SHA-256 is the pack's name), the pack's bytes in step
// with each blob's content (HashAlongside: two hashes on one core cost
// little more than one); restore reads only the range its blobs cover and
// hashes nothing.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "backend/backend.h"
#include "crypto/crypto.h"
#include "crypto/sha256_lanes.h"
#include "format/id.h"
#include "util/status.h"

namespace hort {

inline constexpr uint64_t kStreamSegment = 4ull << 20;

struct PackRange {
  uint64_t start = 0;
  uint64_t end = 0;     // exclusive; 0 = to the end of the file (whole reads only)
  bool stream = false;  // through a window, or one read (ReadAll)
  bool hash = true;     // SHA-256 of everything read
};

class PackReader {
 public:
  PackReader(Backend& backend, Handle handle, PackRange range);
  ~PackReader();
  PackReader(const PackReader&) = delete;
  PackReader& operator=(const PackReader&) = delete;

  // Whole mode: reads the range at once (hashing waits for HashAlongside or
  // Finish). Streaming needs no call.
  [[nodiscard]] Status ReadAll();
  // Whole mode, when ReadAll failed as corruption (a range taken from index
  // entries that end beyond the pack): every blob is read on its own, so
  // only those beyond the end fail. Costs a request per blob.
  void ReadEach() { read_each_ = true; }
  // The end of the range (the file's size when reading a whole pack).
  [[nodiscard]] uint64_t size() const { return end_; }
  // The header and its length trailer (the whole pack when read whole).
  [[nodiscard]] Result<std::span<const uint8_t>> Tail();
  // Stored bytes of one blob; valid until the next call. Offsets should
  // come in ascending order; an earlier one is read on its own. A blob
  // beyond the end of the range (or, streaming, the file) is kCorruption.
  [[nodiscard]] Result<std::span<const uint8_t>> Bytes(uint64_t offset, uint64_t length);
  // The SHA-256 of `message` (a blob's content), computed together with as
  // many of the pack's read but not yet hashed bytes.
  [[nodiscard]] crypto::Sha256Digest HashAlongside(std::span<const uint8_t> message);
  // Whole mode: starts the read bytes the pack's hash has not taken in yet
  // in `lane` (the pack in one lane, its blobs in the other); false when
  // there are none, or when streaming, where the window moves under them.
  // Nothing else may touch the reader's hash until the lane is done.
  [[nodiscard]] bool StartHashIn(crypto::Sha256LanePair& lanes, int lane);
  [[nodiscard]] bool whole() const { return !range_.stream; }
  // Reads and hashes whatever is left, up to the end.
  [[nodiscard]] Status Finish();
  // SHA-256 of the whole range equals `name` (after Finish).
  [[nodiscard]] bool HashMatches(const Id& name) const;

 private:
  [[nodiscard]] Status ExtendTo(uint64_t end);
  // Appends the file's bytes [from, to) to the window.
  [[nodiscard]] Status ReadPiece(uint64_t from, uint64_t to);
  // Corruption unless the file reaches `end` (asks the backend once, then
  // the range ends at the file's end).
  [[nodiscard]] Status CheckWithinFile(uint64_t end);
  [[nodiscard]] Status BeyondEnd(uint64_t end) const;
  // Hashes the read bytes up to `end` that are not hashed yet, on their own.
  void HashUpTo(uint64_t end);

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
  uint64_t consumed_;  // no blob needs anything before this
  uint64_t hashed_;    // the pack's hash has taken in everything before this
  std::vector<uint8_t> tail_, side_;
  crypto::Sha256Stream hasher_;
  crypto::Sha256Digest digest_{};
  bool finished_ = false;
  bool size_checked_ = false;
  bool read_each_ = false;
};

}  // namespace hort
