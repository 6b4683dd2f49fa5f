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
#if defined(__x86_64__)
#include <immintrin.h>
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

// One 64-byte block into diagonal order, and back.
inline void ToDiagonal(const uint8_t* block, uint32_t d[16]) {
  uint32_t w[16];
  std::memcpy(w, block, 64);
  for (int k = 0; k < 16; ++k) d[k] = w[kOrder[k]];
}
inline void FromDiagonal(const uint32_t d[16], uint8_t* block) {
  uint32_t w[16];
  for (int k = 0; k < 16; ++k) w[kOrder[k]] = d[k];
  std::memcpy(block, w, 64);
}

struct Sse2Ops {
  using V = __m128i;
  static V Add(V a, V b) { return _mm_add_epi32(a, b); }
  static V Xor(V a, V b) { return _mm_xor_si128(a, b); }
  template <int S>
  static V Rotl(V v) { return _mm_or_si128(_mm_slli_epi32(v, S), _mm_srli_epi32(v, 32 - S)); }
  template <int Order>
  static V Shuffle(V v) { return _mm_shuffle_epi32(v, Order); }
};
namespace sse2 {
#include "crypto/salsa_core.inc"
}  // namespace sse2

inline void BlockMix(const __m128i* in, __m128i* out, uint32_t r) { sse2::BlockMix<Sse2Ops>(in, out, r); }

// ROMix that keeps every `stride`-th V entry only (scrypt's time-memory
// trade-off): a lookup of an entry that was not kept recomputes it from the
// nearest kept one, (stride - 1) / 2 BlockMix calls on average. With stride 2
// a lane costs 1.25x the work in half the memory, so two lanes run on two
// cores within the memory one full lane needs. `t` holds two scratch blocks.
void RoMix(uint8_t* b, uint64_t n, uint32_t r, uint32_t stride, __m128i* v, __m128i* x, __m128i* y, __m128i* t) {
  const size_t vecs = 8 * r;  // 128 * r bytes
  for (size_t blk = 0; blk < 2 * r; ++blk) {
    uint32_t d[16];
    ToDiagonal(b + blk * 64, d);
    std::memcpy(x + blk * 4, d, 64);
  }
  sse2::FillV<Sse2Ops>(x, y, v, n, r, stride);
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
  for (size_t blk = 0; blk < 2 * r; ++blk) {
    uint32_t d[16];
    std::memcpy(d, x + blk * 4, 64);
    FromDiagonal(d, b + blk * 64);
  }
}


#if defined(__x86_64__)
// Two lanes at once on one core: lane A in the low 128 bits of every
// vector, lane B in the high. Salsa20/8 is one long chain of dependent
// operations, so a core running one lane leaves most of its vector units
// idle; the second lane rides along in the other half of the same
// instructions at almost no cost. Everything up to the pop is compiled for
// AVX2 and runs only where the CPU has it.
#pragma GCC push_options
#pragma GCC target("avx2")
struct Avx2Ops {
  using V = __m256i;
  static V Add(V a, V b) { return _mm256_add_epi32(a, b); }
  static V Xor(V a, V b) { return _mm256_xor_si256(a, b); }
  template <int S>
  static V Rotl(V v) { return _mm256_or_si256(_mm256_slli_epi32(v, S), _mm256_srli_epi32(v, 32 - S)); }
  template <int Order>  // within each 128-bit half: each lane's row on its own
  static V Shuffle(V v) { return _mm256_shuffle_epi32(v, Order); }
};
namespace avx2 {
#include "crypto/salsa_core.inc"
}  // namespace avx2

inline void BlockMix2(const __m256i* in, __m256i* out, uint32_t r) { avx2::BlockMix<Avx2Ops>(in, out, r); }

// RoMix of lanes `a` and `b` together, keeping every `stride`-th V entry of
// both (an entry holds both lanes, interleaved as the state is). A lookup
// gathers each lane's entry from its own index; when the two need different
// numbers of recomputed steps, the lane done first is set aside until the
// other catches up. `t` holds three scratch blocks.
void RoMix2(uint8_t* a, uint8_t* b, uint64_t n, uint32_t r, uint32_t stride, __m256i* v, __m256i* x,
                      __m256i* y, __m256i* t) {
  const size_t vecs = 8 * r;  // 128 * r bytes of each lane
  for (size_t blk = 0; blk < 2 * r; ++blk) {
    uint32_t da[16], db[16];
    ToDiagonal(a + blk * 64, da);
    ToDiagonal(b + blk * 64, db);
    for (int row = 0; row < 4; ++row) {
      x[blk * 4 + row] = _mm256_set_m128i(_mm_loadu_si128(reinterpret_cast<const __m128i*>(db + 4 * row)),
                                          _mm_loadu_si128(reinterpret_cast<const __m128i*>(da + 4 * row)));
    }
  }
  avx2::FillV<Avx2Ops>(x, y, v, n, r, stride);
  __m256i* t0 = t;
  __m256i* t1 = t + vecs;
  __m256i* early = t + 2 * vecs;
  for (uint64_t i = 0; i < n; ++i) {
    const __m256i last = x[(2 * r - 1) * 4];
    const uint64_t ja = static_cast<uint32_t>(_mm256_extract_epi32(last, 0)) & (n - 1);
    const uint64_t jb = static_cast<uint32_t>(_mm256_extract_epi32(last, 4)) & (n - 1);
    const __m256i* va = v + (ja / stride) * vecs;
    const __m256i* vb = v + (jb / stride) * vecs;
    const uint64_t ka = ja % stride, kb = jb % stride;
    if (ka == 0 && kb == 0) {
      for (size_t k = 0; k < vecs; ++k) y[k] = _mm256_xor_si256(x[k], _mm256_blend_epi32(va[k], vb[k], 0xF0));
    } else {
      for (size_t k = 0; k < vecs; ++k) t0[k] = _mm256_blend_epi32(va[k], vb[k], 0xF0);
      const uint64_t first_done = std::min(ka, kb), both_done = std::max(ka, kb);
      for (uint64_t step = 0; step < first_done; ++step) {
        BlockMix2(t0, t1, r);
        std::swap(t0, t1);
      }
      if (both_done > first_done) {
        std::memcpy(early, t0, vecs * 32);
        for (uint64_t step = first_done; step < both_done; ++step) {
          BlockMix2(t0, t1, r);
          std::swap(t0, t1);
        }
        // Blend bits set take the set-aside half: the low (A) or high (B).
        if (ka < kb) {
          for (size_t k = 0; k < vecs; ++k) t0[k] = _mm256_blend_epi32(t0[k], early[k], 0x0F);
        } else {
          for (size_t k = 0; k < vecs; ++k) t0[k] = _mm256_blend_epi32(t0[k], early[k], 0xF0);
        }
      }
      for (size_t k = 0; k < vecs; ++k) y[k] = _mm256_xor_si256(x[k], t0[k]);
    }
    BlockMix2(y, x, r);
  }
  for (size_t blk = 0; blk < 2 * r; ++blk) {
    uint32_t da[16], db[16];
    for (int row = 0; row < 4; ++row) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(da + 4 * row), _mm256_castsi256_si128(x[blk * 4 + row]));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(db + 4 * row), _mm256_extracti128_si256(x[blk * 4 + row], 1));
    }
    FromDiagonal(da, a + blk * 64);
    FromDiagonal(db, b + blk * 64);
  }
}

#pragma GCC pop_options

bool CpuHasAvx2() { return __builtin_cpu_supports("avx2"); }
#else
bool CpuHasAvx2() { return false; }
#endif


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
  return ScryptMixLanes(b, n, r, p, std::clamp(std::thread::hardware_concurrency(), 1u, 4u), ScryptKernel::kBest);
}

bool ScryptAvx2Available() {
#if defined(__SSE2__)
  return CpuHasAvx2();
#else
  return false;
#endif
}

bool ScryptMixLanes(std::span<uint8_t> b, uint64_t n, uint32_t r, uint32_t p, uint32_t max_parallel,
                    ScryptKernel kernel) {
  const size_t lane = 128ull * r;
#if defined(__SSE2__)
  // Lanes are independent: up to `workers` cores run at once, each one lane
  // or (AVX2) two, and every lane of a round keeps every m-th V entry (m =
  // lanes in the round), so together they stay within one full lane's
  // memory (restic's N=2^15, r=8 is 32 MiB; a command's peak must not grow
  // by it).
  const bool pairs = kernel == ScryptKernel::kBest && CpuHasAvx2();
  const uint32_t workers = static_cast<uint32_t>(std::clamp<uint64_t>(std::min<uint64_t>({p, max_parallel, 4}), 1, 4));
  const uint32_t per_worker = pairs ? 2 : 1;
  const size_t slot = lane;  // one lane's V entry or scratch block
  // Mapped for the derivation and unmapped after it; huge pages because the
  // second loop reads it at random. Rounding each lane up to whole entries
  // adds at most one per lane; scratch is 4 blocks per single lane and 5
  // per pair (two lanes wide).
  AnonymousMapping mem((n + workers * per_worker + 10ull * workers) * slot, /*huge_pages=*/true);
  if (mem.data() == nullptr) return false;
  for (uint32_t first = 0; first < p;) {
    const uint32_t in_flight = std::min(p - first, workers * per_worker);
    const uint32_t jobs = std::min(workers, in_flight);
    const uint64_t entries = (n + in_flight - 1) / in_flight;
    RunParallel(jobs, [&, first, in_flight, jobs, entries](unsigned w) {
      // Lanes of this round are dealt out as evenly as possible: job w
      // takes `count` lanes from `lane_at`, and its memory follows the
      // memory of the jobs before it.
      const uint32_t base = in_flight / jobs, extra = in_flight % jobs;
      const uint32_t count = base + (w < extra ? 1 : 0);
      const uint32_t before = w * base + std::min<uint32_t>(w, extra);
      size_t offset = 0;
      for (uint32_t k = 0; k < w; ++k) {
        const uint32_t c = base + (k < extra ? 1 : 0);
        offset += (entries * c + (c == 2 ? 10 : 4)) * slot;
      }
      uint8_t* own = mem.data() + offset;
      uint8_t* lane_a = b.data() + (first + before) * lane;
      if (count == 2) {
#if defined(__x86_64__)
        auto* v = reinterpret_cast<__m256i*>(own);
        auto* scratch = v + entries * 8 * r;
        RoMix2(lane_a, lane_a + lane, n, r, in_flight, v, scratch, scratch + 8 * r, scratch + 16 * r);
#endif
      } else {
        auto* v = reinterpret_cast<__m128i*>(own);
        auto* scratch = v + entries * 8 * r;
        RoMix(lane_a, n, r, in_flight, v, scratch, scratch + 8 * r, scratch + 16 * r);
      }
    });
    first += in_flight;
  }
#else
  (void)max_parallel, (void)kernel;
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
