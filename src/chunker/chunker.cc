#include "chunker/chunker.h"

#include <algorithm>

namespace hort::chunker {
namespace {
Pol AppendByte(Pol hash, uint8_t b, Pol pol) { return PolMod(hash << 8 | b, pol); }

// Slides one byte into the window's fingerprint while `out` leaves it.
inline uint64_t Roll(const Tables& t, uint64_t digest, uint8_t out, uint8_t in) {
  digest ^= t.out[out];
  uint8_t index = static_cast<uint8_t>(digest >> t.pol_shift);
  return ((digest << 8) | in) ^ t.mod[index];
}

// The fingerprint of the 64 bytes before `end`. Once a window is full, restic's
// digest depends on nothing but those bytes (the reset byte has left it), which
// is what lets several stretches of a chunk be searched at once.
inline uint64_t WindowDigest(const Tables& t, const uint8_t* end) {
  uint64_t digest = 0;
  for (size_t k = kWindowSize; k > 0; --k) digest = Roll(t, digest, 0, end[-static_cast<std::ptrdiff_t>(k)]);
  return digest;
}

// Searches `lanes` consecutive stretches of `len` bytes from `base` in
// lockstep: one rolling hash is a chain of dependent table loads, so a single
// stream leaves most of the core idle. Returns the offset of the first byte
// that ends a cut window, or lanes * len. base[-64] must be readable.
template <size_t kLanes>
size_t FirstCutPoint(const Tables& t, const uint8_t* base, size_t len) {
  uint64_t digest[kLanes];
  size_t hit[kLanes];
  for (size_t j = 0; j < kLanes; ++j) {
    digest[j] = WindowDigest(t, base + j * len);
    hit[j] = len;
  }
  for (size_t k = 0; k < len; ++k) {
    for (size_t j = 0; j < kLanes; ++j) {
      const uint8_t* p = base + j * len + k;
      digest[j] = Roll(t, digest[j], p[-static_cast<std::ptrdiff_t>(kWindowSize)], *p);
      if ((digest[j] & kSplitMask) == 0) [[unlikely]] {
        if (hit[j] == len) hit[j] = k;
      }
    }
  }
  for (size_t j = 0; j < kLanes; ++j) {
    if (hit[j] < len) return j * len + hit[j];
  }
  return kLanes * len;
}

constexpr size_t kLanes = 4;
constexpr size_t kStretch = 16 * 1024;
// Below this many bytes the byte-by-byte loop is as fast as the lanes' setup.
constexpr size_t kMinParallelScan = 4096;
}  // namespace

Tables::Tables(Pol p) : pol(p), pol_shift(static_cast<unsigned>(PolDeg(p) - 8)) {
  // out[b] = hash of b followed by 63 zero bytes: xoring it removes b from
  // the window's hash.
  for (int b = 0; b < 256; ++b) {
    Pol h = AppendByte(0, static_cast<uint8_t>(b), pol);
    for (size_t i = 0; i < kWindowSize - 1; ++i) h = AppendByte(h, 0, pol);
    out[static_cast<size_t>(b)] = h;
  }
  // mod[b] reduces the 8 bits above the degree with a single xor.
  int k = PolDeg(pol);
  for (uint64_t b = 0; b < 256; ++b) {
    mod[b] = PolMod(b << k, pol) | (b << k);
  }
}

Chunker::Chunker(std::shared_ptr<const Tables> tables) : tables_(std::move(tables)) { Reset(); }

void Chunker::Reset() { StartChunk(); }

void Chunker::StartChunk() {
  window_.fill(0);
  count_ = 0;
  // restic slides in a single byte 1 after every reset.
  window_[0] = 1;
  wpos_ = 1;
  digest_ = Roll(*tables_, 0, 0, 1);
  // The first min-64 bytes of a chunk cannot influence its cut: skip them.
  pre_ = kMinSize - kWindowSize;
}

size_t Chunker::Scan(std::span<const uint8_t> data, bool* cut) {
  *cut = false;
  size_t i = 0;
  if (pre_ > 0) {
    size_t skip = std::min(pre_, data.size());
    pre_ -= skip;
    count_ += skip;
    i = skip;
  }
  const size_t n = data.size();
  // Byte by byte until a cut is allowed (the window holds the chunk's own
  // bytes) and the window lies inside `data`.
  size_t until_eligible = count_ + 1 < kMinSize ? kMinSize - 1 - count_ : 0;
  size_t serial_end = std::min(n, std::max(i + until_eligible, kWindowSize));
  size_t limit = std::min(n, i + (kMaxSize - count_));
  if (limit - std::min(limit, serial_end) < kMinParallelScan) return ScanSerial(data, i, n, cut);
  i = ScanSerial(data, i, serial_end, cut);
  if (*cut) return i;

  const Tables& t = *tables_;
  const uint8_t* bytes = data.data();
  auto found = [&](size_t at) {
    *cut = true;
    StartChunk();
    return at + 1;
  };
  for (; limit - i >= kLanes * kStretch; i += kLanes * kStretch) {
    size_t at = FirstCutPoint<kLanes>(t, bytes + i, kStretch);
    if (at < kLanes * kStretch) return found(i + at);
  }
  if (size_t stretch = (limit - i) / kLanes; stretch > 0) {
    size_t at = FirstCutPoint<kLanes>(t, bytes + i, stretch);
    if (at < kLanes * stretch) return found(i + at);
    i += kLanes * stretch;
  }
  if (i < limit) {
    size_t at = FirstCutPoint<1>(t, bytes + i, limit - i);
    if (at < limit - i) return found(i + at);
  }
  count_ += limit - serial_end;
  if (count_ >= kMaxSize) return found(limit - 1);
  // No cut in `data`: carry its last window over to the next call.
  std::copy(bytes + n - kWindowSize, bytes + n, window_.begin());
  wpos_ = 0;
  digest_ = WindowDigest(t, bytes + n);
  return n;
}

size_t Chunker::ScanSerial(std::span<const uint8_t> data, size_t begin, size_t end, bool* cut) {
  const Tables& t = *tables_;
  uint64_t digest = digest_;
  size_t wpos = wpos_;
  size_t count = count_;
  for (size_t i = begin; i < end; ++i) {
    uint8_t b = data[i];
    uint8_t out = window_[wpos];
    window_[wpos] = b;
    digest = Roll(t, digest, out, b);
    wpos = (wpos + 1) & (kWindowSize - 1);
    ++count;
    if (count < kMinSize) continue;
    if ((digest & kSplitMask) == 0 || count >= kMaxSize) {
      *cut = true;
      StartChunk();
      return i + 1;
    }
  }
  digest_ = digest;
  wpos_ = wpos;
  count_ = count;
  return end;
}

}  // namespace hort::chunker
