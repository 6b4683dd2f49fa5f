#include "repository/pack.h"

#include <algorithm>
#include <cstring>
#include <tuple>

#include "repository/compress.h"

namespace hort {
namespace {
void PutU32(std::vector<uint8_t>* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}
uint32_t GetU32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}
}  // namespace

uint32_t PackHeaderLength(std::span<const uint8_t> tail) { return GetU32(tail.data() + tail.size() - 4); }

std::vector<uint8_t> EncodePackHeader(const std::vector<PackEntry>& entries, const crypto::Key& key) {
  std::vector<uint8_t> plain;
  plain.reserve(entries.size() * 41);
  for (const PackEntry& e : entries) {
    uint8_t type = static_cast<uint8_t>(e.type) + (e.uncompressed_length ? 2 : 0);
    plain.push_back(type);
    PutU32(&plain, e.length);
    if (e.uncompressed_length) PutU32(&plain, e.uncompressed_length);
    plain.insert(plain.end(), e.id.bytes.begin(), e.id.bytes.end());
  }
  std::vector<uint8_t> out;
  key.Encrypt(plain, &out);
  PutU32(&out, static_cast<uint32_t>(out.size()));
  return out;
}

uint64_t PackSizeFromIndex(std::span<const IndexBlob> blobs) {
  std::vector<const IndexBlob*> unique;
  unique.reserve(blobs.size());
  for (const IndexBlob& b : blobs) unique.push_back(&b);
  std::sort(unique.begin(), unique.end(), [](const IndexBlob* a, const IndexBlob* b) {
    return std::tie(a->offset, a->id) < std::tie(b->offset, b->id);
  });
  unique.erase(std::unique(unique.begin(), unique.end(),
                           [](const IndexBlob* a, const IndexBlob* b) { return a->offset == b->offset && a->id == b->id; }),
               unique.end());
  uint64_t size = crypto::kOverhead + 4;  // the header's nonce and MAC, its length
  for (const IndexBlob* b : unique) size += uint64_t{b->length} + PackEntrySize(b->uncompressed_length != 0);
  return size;
}

Result<std::vector<PackEntry>> DecodePackHeader(std::span<const uint8_t> tail, uint64_t pack_size,
                                                const crypto::Key& key) {
  if (tail.size() < 4 || pack_size < 4) return Status(Code::kCorruption, "pack too short");
  uint32_t header_len = GetU32(tail.data() + tail.size() - 4);
  if (header_len < crypto::kOverhead || header_len + 4ull > pack_size) {
    return Status(Code::kCorruption, "pack header length is invalid");
  }
  if (header_len + 4ull > tail.size()) return Status(Code::kInternal, "pack tail too short for header");
  auto enc = tail.subspan(tail.size() - 4 - header_len, header_len);
  std::vector<uint8_t> plain;
  HORT_RETURN_IF_ERROR(key.DecryptInto(enc, &plain).Annotate("pack header"));
  std::vector<PackEntry> entries;
  uint64_t offset = 0;
  size_t pos = 0;
  while (pos < plain.size()) {
    uint8_t type = plain[pos];
    size_t need = type >= 2 ? 41 : 37;
    if (type > 3 || pos + need > plain.size()) return Status(Code::kCorruption, "pack header entry is invalid");
    PackEntry e;
    e.type = static_cast<BlobType>(type & 1);
    e.length = GetU32(&plain[pos + 1]);
    size_t id_at = pos + 5;
    if (type >= 2) {
      e.uncompressed_length = GetU32(&plain[pos + 5]);
      id_at += 4;
    }
    std::memcpy(e.id.bytes.data(), &plain[id_at], 32);
    // Offsets are 32-bit in the index: a pack's blobs end below 4 GiB.
    if (offset > UINT32_MAX) return Status(Code::kCorruption, "pack header entry is invalid");
    e.offset = static_cast<uint32_t>(offset);
    offset += e.length;
    entries.push_back(e);
    pos += need;
  }
  if (offset + header_len + 4 != pack_size) {
    return Status(Code::kCorruption, "pack size does not match its header");
  }
  return entries;
}

Status CheckBlobId(const crypto::Sha256Digest& digest, const Id& id) {
  if (Id{digest} != id) return Status(Code::kCorruption, "blob content does not match its ID");
  return Status::Ok();
}

Result<std::vector<uint8_t>> UnsealBlob(std::span<const uint8_t> stored, const PackEntry& e,
                                        const crypto::Key& key) {
  std::vector<uint8_t> plain;
  HORT_RETURN_IF_ERROR(key.DecryptInto(stored, &plain));
  if (e.uncompressed_length) {
    HORT_ASSIGN_OR_RETURN(plain, ZstdDecompress(plain, e.uncompressed_length));
  }
  return plain;
}

Result<std::vector<uint8_t>> OpenBlob(std::span<const uint8_t> stored, const PackEntry& e,
                                      const crypto::Key& key) {
  HORT_ASSIGN_OR_RETURN(std::vector<uint8_t> plain, UnsealBlob(stored, e, key));
  HORT_RETURN_IF_ERROR(CheckBlobId(crypto::Sha256(plain), e.id));
  return plain;
}

}  // namespace hort
