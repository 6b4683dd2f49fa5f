#include "crypto/scrypt_romix.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "util/anonymous_mapping.h"
#include "util/parallel.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace hort::crypto {
namespace {

static_assert(std::endian::native == std::endian::little, "scrypt words are read as little-endian");

#if defined(__SSE2__)

// Blocks are kept in the "diagonal" order used by SIMD Salsa20 code: 64-byte
// block words (x0..x15) are stored as rows (x0 x5 x10 x15)(x4 x9 x14 x3)
// (x8 x13 x2 x7)(x12 x1 x6 x11), so each quarter-round step is one vector
// operation. XOR and addition work element-wise, so ROMix can stay in this
// order from start to end; word 0 (used by Integerify) stays in place.
constexpr int kOrder[16] = {0, 5, 10, 15, 4, 9, 14, 3, 8, 13, 2, 7, 12, 1, 6, 11};

inline __m128i Rotl(__m128i v, int s) { return _mm_or_si128(_mm_slli_epi32(v, s), _mm_srli_epi32(v, 32 - s)); }

// x ^= in; x = Salsa20/8(x); both in diagonal order.
inline void XorSalsa(__m128i x[4], const __m128i in[4]) {
  __m128i x0 = _mm_xor_si128(x[0], in[0]), x1 = _mm_xor_si128(x[1], in[1]);
  __m128i x2 = _mm_xor_si128(x[2], in[2]), x3 = _mm_xor_si128(x[3], in[3]);
  const __m128i s0 = x0, s1 = x1, s2 = x2, s3 = x3;
  for (int i = 0; i < 8; i += 2) {
    x1 = _mm_xor_si128(x1, Rotl(_mm_add_epi32(x0, x3), 7));
    x2 = _mm_xor_si128(x2, Rotl(_mm_add_epi32(x1, x0), 9));
    x3 = _mm_xor_si128(x3, Rotl(_mm_add_epi32(x2, x1), 13));
    x0 = _mm_xor_si128(x0, Rotl(_mm_add_epi32(x3, x2), 18));
    x1 = _mm_shuffle_epi32(x1, 0x93);
    x2 = _mm_shuffle_epi32(x2, 0x4E);
    x3 = _mm_shuffle_epi32(x3, 0x39);
    x3 = _mm_xor_si128(x3, Rotl(_mm_add_epi32(x0, x1), 7));
    x2 = _mm_xor_si128(x2, Rotl(_mm_add_epi32(x3, x0), 9));
    x1 = _mm_xor_si128(x1, Rotl(_mm_add_epi32(x2, x3), 13));
    x0 = _mm_xor_si128(x0, Rotl(_mm_add_epi32(x1, x2), 18));
    x1 = _mm_shuffle_epi32(x1, 0x39);
    x2 = _mm_shuffle_epi32(x2, 0x4E);
    x3 = _mm_shuffle_epi32(x3, 0x93);
  }
  x[0] = _mm_add_epi32(x0, s0);
  x[1] = _mm_add_epi32(x1, s1);
  x[2] = _mm_add_epi32(x2, s2);
  x[3] = _mm_add_epi32(x3, s3);
}

// BlockMix over 2r blocks (each 4 vectors): out gets Y0 Y2 … Y1 Y3 ….
inline void BlockMix(const __m128i* in, __m128i* out, uint32_t r) {
  __m128i x[4] = {in[(2 * r - 1) * 4], in[(2 * r - 1) * 4 + 1], in[(2 * r - 1) * 4 + 2], in[(2 * r - 1) * 4 + 3]};
  for (uint32_t i = 0; i < 2 * r; ++i) {
    XorSalsa(x, in + i * 4);
    __m128i* y = out + ((i & 1) ? (r + i / 2) : (i / 2)) * 4;
    y[0] = x[0], y[1] = x[1], y[2] = x[2], y[3] = x[3];
  }
}

// ROMix that keeps every `stride`-th V entry only (scrypt's time-memory
// trade-off): a lookup of an entry that was not kept recomputes it from the
// nearest kept one, (stride - 1) / 2 BlockMix calls on average. With stride 2
// a lane costs 1.25x the work in half the memory, so two lanes run on two
// cores within the memory one full lane needs. `t` holds two scratch blocks.
void RoMix(uint8_t* b, uint64_t n, uint32_t r, uint32_t stride, __m128i* v, __m128i* x, __m128i* y, __m128i* t) {
  const size_t vecs = 8 * r;  // 128 * r bytes
  for (size_t blk = 0; blk < 2 * r; ++blk) {  // to diagonal order
    uint32_t w[16], d[16];
    std::memcpy(w, b + blk * 64, 64);
    for (int k = 0; k < 16; ++k) d[k] = w[kOrder[k]];
    std::memcpy(x + blk * 4, d, 64);
  }
  for (uint64_t i = 0; i < n; ++i) {
    if (i % stride == 0) std::memcpy(v + (i / stride) * vecs, x, vecs * 16);
    BlockMix(x, y, r);
    std::swap(x, y);
  }
  __m128i* t0 = t;
  __m128i* t1 = t + vecs;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t j = static_cast<uint32_t>(_mm_cvtsi128_si32(x[(2 * r - 1) * 4])) & (n - 1);
    const __m128i* vj = v + (j / stride) * vecs;
    for (uint64_t steps = j % stride; steps > 0; --steps) {
      BlockMix(vj, t0, r);
      vj = t0;
      std::swap(t0, t1);
    }
    for (size_t k = 0; k < vecs; ++k) y[k] = _mm_xor_si128(x[k], vj[k]);
    BlockMix(y, x, r);
  }
  for (size_t blk = 0; blk < 2 * r; ++blk) {  // back to the standard order
    uint32_t w[16], d[16];
    std::memcpy(d, x + blk * 4, 64);
    for (int k = 0; k < 16; ++k) w[kOrder[k]] = d[k];
    std::memcpy(b + blk * 64, w, 64);
  }
}


#else  // portable fallback

inline uint32_t R(uint32_t a, int b) { return (a << b) | (a >> (32 - b)); }

void Salsa208(uint32_t b[16]) {
  uint32_t x[16];
  std::memcpy(x, b, 64);
  for (int i = 0; i < 8; i += 2) {
    x[4] ^= R(x[0] + x[12], 7), x[8] ^= R(x[4] + x[0], 9), x[12] ^= R(x[8] + x[4], 13), x[0] ^= R(x[12] + x[8], 18);
    x[9] ^= R(x[5] + x[1], 7), x[13] ^= R(x[9] + x[5], 9), x[1] ^= R(x[13] + x[9], 13), x[5] ^= R(x[1] + x[13], 18);
    x[14] ^= R(x[10] + x[6], 7), x[2] ^= R(x[14] + x[10], 9), x[6] ^= R(x[2] + x[14], 13), x[10] ^= R(x[6] + x[2], 18);
    x[3] ^= R(x[15] + x[11], 7), x[7] ^= R(x[3] + x[15], 9), x[11] ^= R(x[7] + x[3], 13), x[15] ^= R(x[11] + x[7], 18);
    x[1] ^= R(x[0] + x[3], 7), x[2] ^= R(x[1] + x[0], 9), x[3] ^= R(x[2] + x[1], 13), x[0] ^= R(x[3] + x[2], 18);
    x[6] ^= R(x[5] + x[4], 7), x[7] ^= R(x[6] + x[5], 9), x[4] ^= R(x[7] + x[6], 13), x[5] ^= R(x[4] + x[7], 18);
    x[11] ^= R(x[10] + x[9], 7), x[8] ^= R(x[11] + x[10], 9), x[9] ^= R(x[8] + x[11], 13), x[10] ^= R(x[9] + x[8], 18);
    x[12] ^= R(x[15] + x[14], 7), x[13] ^= R(x[12] + x[15], 9), x[14] ^= R(x[13] + x[12], 13), x[15] ^= R(x[14] + x[13], 18);
  }
  for (int i = 0; i < 16; ++i) b[i] += x[i];
}

void BlockMix(const uint32_t* in, uint32_t* out, uint32_t r) {
  uint32_t x[16];
  std::memcpy(x, in + (2 * r - 1) * 16, 64);
  for (uint32_t i = 0; i < 2 * r; ++i) {
    for (int k = 0; k < 16; ++k) x[k] ^= in[i * 16 + k];
    Salsa208(x);
    std::memcpy(out + ((i & 1) ? (r + i / 2) : (i / 2)) * 16, x, 64);
  }
}

#endif

}  // namespace

bool ScryptMixLanes(std::span<uint8_t> b, uint64_t n, uint32_t r, uint32_t p) {
  return ScryptMixLanes(b, n, r, p, std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
}

bool ScryptMixLanes(std::span<uint8_t> b, uint64_t n, uint32_t r, uint32_t p, uint32_t max_parallel) {
  const size_t lane = 128ull * r;
#if defined(__SSE2__)
  // Lanes are independent: up to `workers` run at once, each keeping every
  // m-th V entry so that together they stay within one full lane's memory
  // (restic's N=2^15, r=8 is 32 MiB; a command's peak must not grow by it).
  const size_t vecs = 8ull * r;
  const uint32_t workers = static_cast<uint32_t>(
      std::clamp<uint64_t>(std::min<uint64_t>({p, max_parallel, 4, n}), 1, 4));
  // Mapped for the derivation and unmapped after it; huge pages because the
  // second loop reads it at random.
  AnonymousMapping mem((n + 5ull * workers) * vecs * 16, /*huge_pages=*/true);
  if (mem.data() == nullptr) return false;
  auto* v = reinterpret_cast<__m128i*>(mem.data());
  for (uint32_t first = 0; first < p; first += workers) {
    const uint32_t m = std::min(workers, p - first);
    const size_t region = ((n + m - 1) / m + 4) * vecs;
    RunParallel(m, [&, m, region](unsigned w) {
      __m128i* own = v + w * region;
      __m128i* scratch = own + (region - 4 * vecs);
      RoMix(b.data() + (first + w) * lane, n, r, m, own, scratch, scratch + vecs, scratch + 2 * vecs);
    });
  }
#else
  const size_t words = 32ull * r;
  std::vector<uint32_t> v(n * words), x(words), y(words);
  for (uint32_t l = 0; l < p; ++l) {
    std::memcpy(x.data(), b.data() + l * lane, lane);
    for (uint64_t i = 0; i < n; ++i) {
      std::memcpy(v.data() + i * words, x.data(), lane);
      BlockMix(x.data(), y.data(), r);
      x.swap(y);
    }
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t j = x[(2 * r - 1) * 16] & (n - 1);
      for (size_t k = 0; k < words; ++k) y[k] = x[k] ^ v[j * words + k];
      BlockMix(y.data(), x.data(), r);
    }
    std::memcpy(b.data() + l * lane, x.data(), lane);
  }
#endif
  return true;
}

}  // namespace hort::crypto
