#include "repository/compress.h"

#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

namespace hort {
namespace {
struct Contexts {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_DCtx* d = ZSTD_createDCtx();
  ~Contexts() {
    ZSTD_freeCCtx(c);
    ZSTD_freeDCtx(d);
  }
};
// restic's levels: "auto" is zstd's default, "max" its best ratio.
constexpr int kAutoLevel = 3;
constexpr int kMaxLevel = 19;
// Decompression allocates at most this much, or kTrustedRatio times the
// input, before output proves a declared size: 8 MiB is restic's largest
// chunk, and blobs that compress better than 64:1 are rare.
constexpr uint64_t kTrustedSize = 8u << 20;
constexpr uint64_t kTrustedRatio = 64;

Contexts& ThreadContexts() {
  thread_local Contexts ctx;
  return ctx;
}
}  // namespace

std::vector<uint8_t> ZstdCompress(std::span<const uint8_t> data, CompressionMode mode, size_t headroom,
                                  size_t tailroom) {
  int level = mode == CompressionMode::kMax ? kMaxLevel : kAutoLevel;
  // Compressed into a buffer of the bound that is never zeroed (only the
  // pages zstd writes become resident), then copied into a vector of the
  // exact size. A vector sized for the bound and shrunk by resize kept its
  // capacity: every 8 MiB chunk held 8 MiB of zeroed pages for as long as
  // its blob waited to be written, whatever it compressed to, and a pack
  // stream's queue counts blob sizes (a 1 GiB file of 8 MiB chunks that
  // compress 1000:1 peaked at 1.05 GiB).
  const size_t bound = ZSTD_compressBound(data.size());
  auto scratch = std::make_unique_for_overwrite<uint8_t[]>(bound);
  size_t n = ZSTD_compressCCtx(ThreadContexts().c, scratch.get(), bound, data.data(), data.size(), level);
  if (ZSTD_isError(n)) std::abort();  // cannot fail with a bound-sized buffer
  return CopyWithRoom(std::span<const uint8_t>(scratch.get(), n), headroom, tailroom);
}

std::vector<uint8_t> CopyWithRoom(std::span<const uint8_t> data, size_t headroom, size_t tailroom) {
  std::vector<uint8_t> out;
  out.reserve(headroom + data.size() + tailroom);
  out.resize(headroom);
  out.insert(out.end(), data.begin(), data.end());
  out.resize(headroom + data.size() + tailroom);
  return out;
}

ZstdStream::ZstdStream(size_t headroom) : ctx_(ZSTD_createCCtx()), out_(headroom) {
  ZSTD_CCtx_setParameter(ctx_, ZSTD_c_compressionLevel, kAutoLevel);
}

ZstdStream::~ZstdStream() { ZSTD_freeCCtx(ctx_); }

void ZstdStream::Run(std::span<const uint8_t> piece, bool end) {
  ZSTD_inBuffer in{piece.data(), piece.size(), 0};
  for (;;) {
    const size_t used = out_.size();
    out_.resize(used + ZSTD_CStreamOutSize());
    ZSTD_outBuffer ob{out_.data() + used, out_.size() - used, 0};
    size_t left = ZSTD_compressStream2(ctx_, &ob, &in, end ? ZSTD_e_end : ZSTD_e_continue);
    if (ZSTD_isError(left)) std::abort();  // only bad parameters fail, and these are fixed
    out_.resize(used + ob.pos);
    if (end ? left == 0 : in.pos == in.size) return;
  }
}

void ZstdStream::Append(std::span<const uint8_t> piece) { Run(piece, false); }

std::vector<uint8_t> ZstdStream::Finish(size_t tailroom) {
  Run({}, true);
  out_.resize(out_.size() + tailroom);
  return std::move(out_);
}

bool LooksIncompressible(std::span<const uint8_t> data) {
  constexpr size_t kSample = 4096;
  if (data.size() < 4 * kSample) return false;  // small blobs: compressing is cheap anyway
  uint32_t counts[256] = {};
  for (size_t start : {size_t{0}, data.size() / 2 - kSample / 2, data.size() - kSample}) {
    for (size_t i = start; i < start + kSample; ++i) counts[data[i]]++;
  }
  const double n = 3.0 * kSample;
  double entropy = 0;
  for (uint32_t c : counts) {
    if (c) entropy -= c / n * std::log2(c / n);
  }
  return entropy > 7.95;
}

namespace {
// Bytes zstd can yield per byte of input at most: a block yields at most
// 128 KiB and takes at least 4 bytes (a 3-byte header and the byte an RLE
// block repeats); frame headers only add input. 512 MiB of zeros at level
// 22 come to 32,725.
constexpr uint64_t kMaxZstdRatio = 32768;

std::string ZstdSizeText(uint64_t n) { return std::to_string(n) + " bytes"; }

Status ZstdSizeMismatch(uint64_t got, uint64_t declared) {
  return Status(Code::kCorruption, "zstd: data decompresses to " + ZstdSizeText(got) + ", not the declared " +
                                       ZstdSizeText(declared));
}

// Decodes the frames in `data` into `out` (resized to the output), growing
// it as output comes; more than `limit` bytes is corruption.
Status DecompressGrowing(ZSTD_DCtx* dctx, std::span<const uint8_t> data, uint64_t limit, std::vector<uint8_t>* out) {
  ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  // One byte beyond the limit is room enough to see that there is more.
  const uint64_t room = limit < UINT64_MAX ? limit + 1 : limit;
  size_t pos = 0;
  for (size_t ret = 1; in.pos < in.size || ret != 0;) {
    if (pos == out->size()) {
      if (pos > limit) break;
      out->resize(static_cast<size_t>(std::min<uint64_t>(room, std::max<uint64_t>(2 * pos, 64 << 10))));
    }
    ZSTD_outBuffer ob{out->data(), out->size(), pos};
    ret = ZSTD_decompressStream(dctx, &ob, &in);
    if (ZSTD_isError(ret)) return Status(Code::kCorruption, std::string("zstd: ") + ZSTD_getErrorName(ret));
    pos = ob.pos;
    // Room left, input used up, frame unfinished: the rest is missing.
    if (ret != 0 && in.pos == in.size && pos < out->size()) return Status(Code::kCorruption, "zstd: truncated frame");
  }
  if (pos > limit) {
    return Status(Code::kCorruption, "zstd: data decompresses to more than the declared " + ZstdSizeText(limit));
  }
  out->resize(pos);
  return Status::Ok();
}
}  // namespace

// Neither the caller's size (from an index or a pack header) nor the
// frame's own is trusted with an allocation: a buffer of the declared size
// is made at once only when both agree and it is within reach of the input
// (kTrustedSize, kTrustedRatio); otherwise the output grows as it comes and
// stops one byte beyond the declared size.
Result<std::vector<uint8_t>> ZstdDecompress(std::span<const uint8_t> data, size_t expected_size) {
  const unsigned long long frame = ZSTD_getFrameContentSize(data.data(), data.size());
  if (frame == ZSTD_CONTENTSIZE_ERROR) return Status(Code::kCorruption, "not a zstd frame");
  if (expected_size > data.size() * kMaxZstdRatio) {
    return Status(Code::kCorruption, "zstd: a declared size of " + ZstdSizeText(expected_size) + " is impossible for " +
                                         ZstdSizeText(data.size()) + " of compressed data");
  }
  const bool frame_known = frame != ZSTD_CONTENTSIZE_UNKNOWN;
  if (expected_size > 0 && frame_known && frame > expected_size) return ZstdSizeMismatch(frame, expected_size);
  const uint64_t limit = expected_size > 0 ? expected_size : UINT64_MAX;
  const uint64_t reach = std::max<uint64_t>(kTrustedSize, data.size() * kTrustedRatio);
  ZSTD_DCtx* dctx = ThreadContexts().d;
  std::vector<uint8_t> out;
  if (frame_known && frame <= reach && (expected_size == 0 || frame == expected_size)) {
    // The common case, as fast as before: one frame, decoded by one call.
    out.resize(static_cast<size_t>(frame));
    const size_t n = ZSTD_decompressDCtx(dctx, out.data(), out.size(), data.data(), data.size());
    if (!ZSTD_isError(n) && n == out.size()) return out;
    if (!ZSTD_isError(n)) return ZstdSizeMismatch(n, frame);
    if (ZSTD_getErrorCode(n) != ZSTD_error_dstSize_tooSmall) {
      return Status(Code::kCorruption, std::string("zstd: ") + ZSTD_getErrorName(n));
    }
    // More frames follow: decoded below, growing.
  }
  // A first guess (an index file's frame names no size; JSON compresses about 4:1).
  const uint64_t guess = frame_known ? frame : expected_size > 0 ? expected_size : 4 * data.size();
  out.resize(static_cast<size_t>(std::min({guess, reach, limit})));
  HORT_RETURN_IF_ERROR(DecompressGrowing(dctx, data, limit, &out));
  if (expected_size > 0 && out.size() != expected_size) return ZstdSizeMismatch(out.size(), expected_size);
  return out;
}

}  // namespace hort
