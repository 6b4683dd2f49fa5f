#include "repository/compress.h"

#include <zstd.h>

#include <cmath>

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

Contexts& ThreadContexts() {
  thread_local Contexts ctx;
  return ctx;
}
}  // namespace

std::vector<uint8_t> ZstdCompress(std::span<const uint8_t> data, CompressionMode mode, size_t headroom,
                                  size_t tailroom) {
  int level = mode == CompressionMode::kMax ? kMaxLevel : kAutoLevel;
  size_t bound = ZSTD_compressBound(data.size());
  std::vector<uint8_t> out(headroom + bound + tailroom);
  size_t n = ZSTD_compressCCtx(ThreadContexts().c, out.data() + headroom, bound, data.data(), data.size(), level);
  if (ZSTD_isError(n)) std::abort();  // cannot fail with a bound-sized buffer
  out.resize(headroom + n + tailroom);
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

Result<std::vector<uint8_t>> ZstdDecompress(std::span<const uint8_t> data, size_t expected_size) {
  unsigned long long frame = ZSTD_getFrameContentSize(data.data(), data.size());
  if (frame == ZSTD_CONTENTSIZE_ERROR) return Status(Code::kCorruption, "not a zstd frame");
  ZSTD_DCtx* dctx = ThreadContexts().d;
  if (expected_size == 0 && frame != ZSTD_CONTENTSIZE_UNKNOWN) expected_size = frame;
  if (expected_size > 0) {
    std::vector<uint8_t> out(expected_size);
    size_t n = ZSTD_decompressDCtx(dctx, out.data(), out.size(), data.data(), data.size());
    if (ZSTD_isError(n)) return Status(Code::kCorruption, std::string("zstd: ") + ZSTD_getErrorName(n));
    if (n != expected_size) return Status(Code::kCorruption, "zstd: decompressed size mismatch");
    return out;
  }
  // Unknown size: stream.
  ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
  std::vector<uint8_t> out;
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  std::vector<uint8_t> chunk(ZSTD_DStreamOutSize());
  size_t ret = 1;
  while (in.pos < in.size || ret != 0) {
    ZSTD_outBuffer ob{chunk.data(), chunk.size(), 0};
    ret = ZSTD_decompressStream(dctx, &ob, &in);
    if (ZSTD_isError(ret)) return Status(Code::kCorruption, std::string("zstd: ") + ZSTD_getErrorName(ret));
    out.insert(out.end(), chunk.begin(), chunk.begin() + static_cast<long>(ob.pos));
    if (in.pos == in.size && ob.pos == 0 && ret != 0) return Status(Code::kCorruption, "zstd: truncated frame");
  }
  return out;
}

}  // namespace hort
