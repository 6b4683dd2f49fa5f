#include "volumes/codec.h"

#include <lz4frame.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "archive/gzip.h"
#include "volumes/layout.h"

namespace hort::volumes {
namespace {

constexpr uint8_t kLz4Magic[4] = {0x04, 0x22, 0x4d, 0x18};

bool HasLz4Magic(std::span<const uint8_t> data) {
  return data.size() >= 4 && std::memcmp(data.data(), kLz4Magic, 4) == 0;
}
bool HasGzipMagic(std::span<const uint8_t> data) { return data.size() >= 2 && data[0] == 0x1f && data[1] == 0x8b; }

// Streams the frame(s) into `out`; a byte beyond out.size() is an error,
// found with a one-byte probe so no oversized buffer is ever allocated.
Status Lz4Decompress(std::span<const uint8_t> in, std::span<uint8_t> out, const std::string& what) {
  LZ4F_dctx* raw = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION))) {
    return Status(Code::kInternal, "lz4: cannot create a decompression context");
  }
  std::unique_ptr<LZ4F_dctx, decltype(&LZ4F_freeDecompressionContext)> ctx(raw, LZ4F_freeDecompressionContext);
  size_t in_at = 0, out_at = 0;
  size_t hint = 1;
  while (in_at < in.size()) {
    uint8_t probe = 0;
    const bool full = out_at == out.size();
    size_t dst_size = full ? 1 : out.size() - out_at;
    size_t src_size = in.size() - in_at;
    hint = LZ4F_decompress(ctx.get(), full ? &probe : out.data() + out_at, &dst_size, in.data() + in_at, &src_size,
                           nullptr);
    if (LZ4F_isError(hint)) {
      return Status(Code::kCorruption, what + ": lz4: " + LZ4F_getErrorName(hint));
    }
    if (full && dst_size > 0) {
      return Status(Code::kCorruption, what + ": decompresses to more than the block size (" +
                                           std::to_string(out.size()) + " bytes)");
    }
    in_at += src_size;
    out_at += dst_size;
    if (src_size == 0 && dst_size == 0) break;  // no progress: truncated input
  }
  if (hint != 0) return Status(Code::kCorruption, what + ": lz4: the frame is truncated");
  if (out_at != out.size()) {
    return Status(Code::kCorruption, what + ": decompresses to " + std::to_string(out_at) + " bytes, not the block size " +
                                         std::to_string(out.size()));
  }
  return Status::Ok();
}

Status GzipDecompress(std::span<const uint8_t> in, std::span<uint8_t> out, const std::string& what) {
  auto data = Gunzip(std::string_view(reinterpret_cast<const char*>(in.data()), in.size()), what, out.size());
  if (!data.ok()) return Status(Code::kCorruption, data.status().message());
  if (data->size() != out.size()) {
    return Status(Code::kCorruption, what + ": decompresses to " + std::to_string(data->size()) +
                                         " bytes, not the block size " + std::to_string(out.size()));
  }
  std::memcpy(out.data(), data->data(), data->size());
  return Status::Ok();
}

}  // namespace

Result<Codec> ParseCodec(std::string_view method) {
  if (method == "lz4") return Codec::kLz4;
  if (method == "gzip" || method.empty()) return Codec::kGzip;
  if (method == "none") return Codec::kNone;
  return Status(Code::kUnsupported, "unknown compression method \"" + std::string(method) + "\" (lz4, gzip or none)");
}

const char* CodecName(Codec codec) {
  switch (codec) {
    case Codec::kLz4: return "lz4";
    case Codec::kGzip: return "gzip";
    case Codec::kNone: return "none";
  }
  return "none";
}

uint64_t MaxStoredBlockSize(Codec codec, uint64_t block_size) {
  if (codec == Codec::kNone) return block_size;
  LZ4F_preferences_t prefs;
  std::memset(&prefs, 0, sizeof(prefs));
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;  // the most block headers
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
  prefs.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled;
  const uint64_t lz4 = LZ4F_compressFrameBound(block_size, &prefs);
  // zlib's deflateBound for a raw stream (also above Go's stored blocks of
  // 65535 bytes with 5 bytes each), a gzip header with room for a name, and
  // the 8-byte trailer.
  const uint64_t n = block_size;
  const uint64_t gzip = n + (n >> 12) + (n >> 14) + (n >> 25) + 13 + 256 + 8;
  return std::max(lz4, gzip);
}

namespace {

// pierrec/lz4's defaults, which Longhorn reads: 4 MiB blocks, independent,
// content checksum on.
LZ4F_preferences_t Lz4Prefs() {
  LZ4F_preferences_t prefs;
  std::memset(&prefs, 0, sizeof(prefs));
  prefs.frameInfo.blockSizeID = LZ4F_max4MB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
  return prefs;
}

}  // namespace

size_t CompressBound(size_t block_size) {
  const LZ4F_preferences_t prefs = Lz4Prefs();
  // zlib's deflateBound is below n + n/4096 + n/16384 + 31 (stored blocks
  // cost 5 bytes per 64 KiB in practice).
  return std::max(LZ4F_compressFrameBound(block_size, &prefs), block_size + block_size / 1024 + 64);
}

Result<size_t> CompressBlockInto(Codec codec, std::span<const uint8_t> block, std::span<uint8_t> out) {
  if (out.size() < CompressBound(block.size())) return Status(Code::kInternal, "compression buffer too small");
  switch (codec) {
    case Codec::kNone:
      std::memcpy(out.data(), block.data(), block.size());
      return block.size();
    case Codec::kGzip: {
      HORT_ASSIGN_OR_RETURN(std::string gz,
                            GzipCompress(std::string_view(reinterpret_cast<const char*>(block.data()), block.size())));
      if (gz.size() > out.size()) return Status(Code::kInternal, "gzip output beyond its bound");
      std::memcpy(out.data(), gz.data(), gz.size());
      return gz.size();
    }
    case Codec::kLz4: {
      const LZ4F_preferences_t prefs = Lz4Prefs();
      const size_t n = LZ4F_compressFrame(out.data(), out.size(), block.data(), block.size(), &prefs);
      if (LZ4F_isError(n)) return Status(Code::kInternal, std::string("lz4: ") + LZ4F_getErrorName(n));
      return n;
    }
  }
  return Status(Code::kInternal, "unknown codec");
}

Result<std::vector<uint8_t>> CompressBlock(Codec codec, std::span<const uint8_t> block) {
  std::vector<uint8_t> out(CompressBound(block.size()));
  HORT_ASSIGN_OR_RETURN(size_t n, CompressBlockInto(codec, block, out));
  out.resize(n);
  return out;
}

Status DecompressBlock(Codec codec, std::span<const uint8_t> stored, std::span<uint8_t> out, const std::string& what) {
  if (codec == Codec::kNone) {
    if (stored.size() != out.size()) {
      return Status(Code::kCorruption, what + ": holds " + std::to_string(stored.size()) + " bytes, not the block size " +
                                           std::to_string(out.size()));
    }
    std::memcpy(out.data(), stored.data(), stored.size());
    return Status::Ok();
  }
  // Longhorn's fallback: the other codec when the magic says so.
  if (codec == Codec::kGzip && !HasGzipMagic(stored) && HasLz4Magic(stored)) codec = Codec::kLz4;
  if (codec == Codec::kLz4 && !HasLz4Magic(stored) && HasGzipMagic(stored)) codec = Codec::kGzip;
  if (codec == Codec::kLz4) return Lz4Decompress(stored, out, what);
  return GzipDecompress(stored, out, what);
}

Status DecodeAndVerifyBlock(Codec codec, std::span<const uint8_t> stored, std::span<uint8_t> out,
                            const std::string& checksum, const std::string& what) {
  HORT_RETURN_IF_ERROR(DecompressBlock(codec, stored, out, what));
  const std::string actual = LonghornChecksum(out);
  if (actual != checksum) {
    return Status(Code::kCorruption, what + ": content does not match its name (SHA-512 " + actual.substr(0, 16) + "…)");
  }
  return Status::Ok();
}

}  // namespace hort::volumes
