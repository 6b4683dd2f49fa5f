#include "chunker/chunker.h"

#include <algorithm>

namespace hort::chunker {
namespace {
Pol AppendByte(Pol hash, uint8_t b, Pol pol) { return PolMod(hash << 8 | b, pol); }
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
  wpos_ = 0;
  count_ = 0;
  digest_ = 0;
  // restic slides in a single byte 1 after every reset.
  const Tables& t = *tables_;
  window_[0] = 1;
  wpos_ = 1;
  uint64_t index = digest_ >> t.pol_shift;
  digest_ = ((digest_ << 8) | 1) ^ t.mod[index];
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
  const Tables& t = *tables_;
  const unsigned shift = t.pol_shift;
  uint64_t digest = digest_;
  size_t wpos = wpos_;
  size_t count = count_;
  const size_t n = data.size();
  for (; i < n; ++i) {
    uint8_t b = data[i];
    uint8_t out = window_[wpos];
    window_[wpos] = b;
    digest ^= t.out[out];
    wpos = (wpos + 1) & (kWindowSize - 1);
    uint8_t index = static_cast<uint8_t>(digest >> shift);
    digest = ((digest << 8) | b) ^ t.mod[index];
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
  return n;
}

}  // namespace hort::chunker
