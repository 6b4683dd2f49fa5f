// Pack files: encrypted blobs back to back, then the encrypted header, then
// the header's length (uint32 little endian). Header entries:
//   type 0/1 (data/tree):            type(1) len(4) id(32)
//   type 2/3 (compressed data/tree): type(1) len(4) uncompressed_len(4) id(32)
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "crypto/crypto.h"
#include "format/repo_files.h"
#include "util/status.h"

namespace hort {

struct PackEntry {
  Id id;
  BlobType type = BlobType::kData;
  uint32_t offset = 0;
  uint32_t length = 0;
  uint32_t uncompressed_length = 0;  // 0 = not compressed
};

// The bytes one blob's entry takes in a pack header: type, length, ID, and
// the uncompressed length when compressed.
[[nodiscard]] constexpr uint64_t PackEntrySize(bool compressed) { return compressed ? 41 : 37; }

// Builds the encrypted header + length trailer for `entries`.
[[nodiscard]] std::vector<uint8_t> EncodePackHeader(const std::vector<PackEntry>& entries,
                                                    const crypto::Key& key);

// Parses the trailer of a complete pack (or its tail of at least header size + 4 bytes).
// `pack_size` is the full size; `tail` holds the last tail.size() bytes.
[[nodiscard]] Result<std::vector<PackEntry>> DecodePackHeader(std::span<const uint8_t> tail,
                                                              uint64_t pack_size, const crypto::Key& key);

// The header length a pack's last 4 bytes hold (uint32 little endian); `tail`
// must end where the pack ends and hold at least 4 bytes.
[[nodiscard]] uint32_t PackHeaderLength(std::span<const uint8_t> tail);

// The size a pack holding exactly `blobs` has: the blobs, the encrypted
// header with one entry each, its 4-byte length (restic's prune computes the
// same to find packs that do not match their index). An entry listed twice
// (one pack named by two index files) counts once.
[[nodiscard]] uint64_t PackSizeFromIndex(std::span<const IndexBlob> blobs);

// Ok when `digest` (of a blob's content) is the blob's ID, else kCorruption.
[[nodiscard]] Status CheckBlobId(const crypto::Sha256Digest& digest, const Id& id);
// Decrypts (and decompresses) one blob read from a pack; the ID is not
// checked (the caller hashes, e.g. two blobs at a time, then CheckBlobId).
[[nodiscard]] Result<std::vector<uint8_t>> UnsealBlob(std::span<const uint8_t> stored, const PackEntry& e,
                                                      const crypto::Key& key);
// Decrypts (and decompresses) one blob read from a pack and verifies its ID.
[[nodiscard]] Result<std::vector<uint8_t>> OpenBlob(std::span<const uint8_t> stored, const PackEntry& e,
                                                    const crypto::Key& key);

}  // namespace hort
