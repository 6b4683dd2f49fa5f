// Reads one pack front to back for `check --read-data`, hashing every byte
// once on the way. Streaming (local folders): the pack passes through a
// window of a few MiB and blobs are served from it in offset order, so a
// worker holds one window, not a 16 MiB pack. Whole (object stores, REST
// servers, tiny packs): one read, served from memory.
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

class PackReader {
 public:
  // stream_size > 0: stream a pack of that size; 0: call ReadAll() first.
  // A known digest (hashed earlier) is not computed again: only the bytes
  // blobs need are read then.
  PackReader(Backend& backend, Handle handle, uint64_t stream_size,
             std::optional<crypto::Sha256Digest> known_digest = std::nullopt);

  [[nodiscard]] Status ReadAll();
  [[nodiscard]] uint64_t size() const { return size_; }
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
  bool stream_;
  uint64_t size_;
  std::vector<uint8_t> window_;  // bytes [window_start_, window_start_ + window_.size())
  uint64_t window_start_ = 0;
  uint64_t consumed_ = 0;  // the window may drop everything before this
  std::vector<uint8_t> tail_, side_;
  crypto::Sha256Hasher hasher_;
  crypto::Sha256Digest digest_{};
  bool finished_ = false;
  bool hashed_ = false;  // the digest was known up front
};

}  // namespace hort
