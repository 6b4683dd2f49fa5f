// Longhorn's block codecs (backupstore util/util.go): "lz4" is an LZ4 frame
// (pierrec/lz4's defaults: 4 MiB blocks, content checksum), "gzip" a plain
// RFC 1952 member, "none" the raw bytes. Every block decompresses to exactly
// the block size and is then checked against its name.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace hort::volumes {

enum class Codec { kNone, kGzip, kLz4 };

// The cfg's CompressionMethod; "" is the legacy default, gzip.
[[nodiscard]] Result<Codec> ParseCodec(std::string_view method);
[[nodiscard]] const char* CodecName(Codec codec);

// The largest stored object a block of `block_size` bytes can be: exactly
// block_size for "none"; for lz4 and gzip the larger of both codecs' worst
// case (Longhorn reads either in either volume): LZ4F_compressFrameBound with
// 64 KiB blocks and both checksums, and zlib's deflate bound plus the gzip
// header and trailer. Anything larger is refused before it is loaded.
[[nodiscard]] uint64_t MaxStoredBlockSize(Codec codec, uint64_t block_size);

// The most any codec makes of `block_size` bytes (incompressible input).
[[nodiscard]] size_t CompressBound(size_t block_size);
// Compresses into `out` (at least CompressBound(block.size()) bytes); the
// stored size.
[[nodiscard]] Result<size_t> CompressBlockInto(Codec codec, std::span<const uint8_t> block, std::span<uint8_t> out);
[[nodiscard]] Result<std::vector<uint8_t>> CompressBlock(Codec codec, std::span<const uint8_t> block);

// Decompresses a stored block into `out`, whose size is the block size.
// As Longhorn does since #7687, a gzip header error falls back to lz4 and
// an lz4 magic error to gzip, so one volume may mix both codecs. A block
// that would decompress to more than out.size() bytes is refused without
// being inflated further (kCorruption), so are short ones. `what` names the
// block in errors. Does not check the checksum (VerifyBlock does).
[[nodiscard]] Status DecompressBlock(Codec codec, std::span<const uint8_t> stored, std::span<uint8_t> out,
                                     const std::string& what);

// DecompressBlock, then the SHA-512/64 of the result compared with `checksum`.
[[nodiscard]] Status DecodeAndVerifyBlock(Codec codec, std::span<const uint8_t> stored, std::span<uint8_t> out,
                                          const std::string& checksum, const std::string& what);

}  // namespace hort::volumes
