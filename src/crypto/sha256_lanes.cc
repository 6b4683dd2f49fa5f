#include "crypto/sha256_lanes.h"

#include <algorithm>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

#include "util/vector_state.h"

namespace hort::crypto {
namespace {

constexpr std::array<uint32_t, 8> kInitialState = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

using sha256_internal::Lane;

// The final one or two blocks of a message: its last partial block, 0x80,
// zeros and the length in bits, big-endian.
struct Padding {
  std::array<uint8_t, 128> bytes{};
  size_t blocks = 0;

  Padding(std::span<const uint8_t> rest, uint64_t total_len) {
    if (!rest.empty()) std::memcpy(bytes.data(), rest.data(), rest.size());
    bytes[rest.size()] = 0x80;
    blocks = rest.size() + 9 <= 64 ? 1 : 2;
    const uint64_t bits = total_len * 8;
    for (int i = 0; i < 8; ++i) bytes[64 * blocks - 1 - i] = static_cast<uint8_t>(bits >> (8 * i));
  }
};

Padding PaddingOf(std::span<const uint8_t> message) {
  return Padding(message.subspan(message.size() / 64 * 64), message.size());
}

Sha256Digest DigestOf(const uint32_t* state) {
  Sha256Digest d{};
  for (int i = 0; i < 8; ++i) {
    for (int j = 0; j < 4; ++j) d[4 * i + j] = static_cast<uint8_t>(state[i] >> (24 - 8 * j));
  }
  return d;
}

#if defined(__x86_64__)
#define HORT_SHA_TARGET __attribute__((target("sha,sse4.1")))

alignas(16) constexpr uint32_t kRound[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

// SHA-NI keeps the eight state words as two vectors, ABEF and CDGH.
struct ShaState {
  __m128i abef, cdgh;
};

HORT_SHA_TARGET ShaState LoadState(const uint32_t* h) {
  const __m128i dcba = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h)), 0xB1);
  const __m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + 4)), 0x1B);
  return {_mm_alignr_epi8(dcba, efgh, 8), _mm_blend_epi16(efgh, dcba, 0xF0)};
}

HORT_SHA_TARGET void StoreState(const ShaState& s, uint32_t* h) {
  const __m128i feba = _mm_shuffle_epi32(s.abef, 0x1B);
  const __m128i dchg = _mm_shuffle_epi32(s.cdgh, 0xB1);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(h), _mm_blend_epi16(feba, dchg, 0xF0));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(h + 4), _mm_alignr_epi8(dchg, feba, 8));
}

// `blocks` blocks of each of N lanes, the lanes' rounds interleaved so that
// one lane's instructions fill the other's waiting time.
template <int N>
HORT_SHA_TARGET void CompressLanes(uint32_t* const* states, const uint8_t* const* data, size_t blocks) {
  const __m128i byte_swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  ShaState s[N];
  for (int l = 0; l < N; ++l) s[l] = LoadState(states[l]);
  for (size_t b = 0; b < blocks; ++b) {
    __m128i w[N][4];
    ShaState start[N];
    for (int l = 0; l < N; ++l) {
      for (int j = 0; j < 4; ++j) {
        w[l][j] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data[l] + 64 * b + 16 * j)),
                                   byte_swap);
      }
      start[l] = s[l];
    }
#pragma GCC unroll 16
    for (int g = 0; g < 16; ++g) {  // four rounds per step
      const __m128i k = _mm_load_si128(reinterpret_cast<const __m128i*>(kRound + 4 * g));
#pragma GCC unroll 2
      for (int l = 0; l < N; ++l) {
        __m128i wk = _mm_add_epi32(w[l][g & 3], k);
        s[l].cdgh = _mm_sha256rnds2_epu32(s[l].cdgh, s[l].abef, wk);
        wk = _mm_shuffle_epi32(wk, 0x0E);
        s[l].abef = _mm_sha256rnds2_epu32(s[l].abef, s[l].cdgh, wk);
        if (g < 12) {  // the schedule's words for step g + 4 replace step g's
          __m128i next = _mm_sha256msg1_epu32(w[l][g & 3], w[l][(g + 1) & 3]);
          next = _mm_add_epi32(next, _mm_alignr_epi8(w[l][(g + 3) & 3], w[l][(g + 2) & 3], 4));
          w[l][g & 3] = _mm_sha256msg2_epu32(next, w[l][(g + 3) & 3]);
        }
      }
    }
    for (int l = 0; l < N; ++l) {
      s[l].abef = _mm_add_epi32(s[l].abef, start[l].abef);
      s[l].cdgh = _mm_add_epi32(s[l].cdgh, start[l].cdgh);
    }
  }
  for (int l = 0; l < N; ++l) StoreState(s[l], states[l]);
}

bool DetectShaNi() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1)) return false;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  return (b & bit_SHA) != 0;
}

void CompressOne(Lane& lane) {
  while (!lane.done()) {
    const Lane::Run& run = lane.runs[lane.next];
    CompressLanes<1>(&lane.state, &run.data, run.blocks);
    lane.Advance(run.blocks);
  }
}

// Both lanes in step until one of them ends; a lone lane runs to its end.
void DriveUntilOneEnds(Lane* a, Lane* b) {
  ClearUpperVectorState();
  while (a && b && !a->done() && !b->done()) {
    const size_t blocks = std::min(a->runs[a->next].blocks, b->runs[b->next].blocks);
    uint32_t* const states[2] = {a->state, b->state};
    const uint8_t* const data[2] = {a->runs[a->next].data, b->runs[b->next].data};
    CompressLanes<2>(states, data, blocks);
    a->Advance(blocks);
    b->Advance(blocks);
  }
  if (!b) CompressOne(*a);
  if (!a) CompressOne(*b);
}

// Both lanes in step while both have blocks, then whichever is left alone.
void Drive(Lane& a, Lane& b) {
  DriveUntilOneEnds(&a, &b);
  CompressOne(a);
  CompressOne(b);
}
#else
bool DetectShaNi() { return false; }
void Drive(Lane&, Lane&) {}
void DriveUntilOneEnds(Lane*, Lane*) {}
#endif

bool UseLanes(Sha256Kernel kernel) { return kernel == Sha256Kernel::kBest && Sha256LanesAccelerated(); }

// Sets up `lane` to hash all of `message`, padding included.
void AddMessage(Lane& lane, std::span<const uint8_t> message, Padding& padding) {
  const size_t whole = message.size() / 64;
  lane.Add(message.data(), whole);
  lane.Add(padding.bytes.data(), padding.blocks);
}

}  // namespace

bool Sha256LanesAccelerated() {
  static const bool accelerated = DetectShaNi();
  return accelerated;
}

Sha256Stream::Sha256Stream(Sha256Kernel kernel) : state_(kInitialState) {
  if (!UseLanes(kernel)) openssl_.emplace();
}

void Sha256Stream::Update(std::span<const uint8_t> data) {
  if (openssl_) return openssl_->Update(data);
  (void)Take(data, nullptr);
}

Sha256Digest Sha256Stream::UpdateAlongside(std::span<const uint8_t> more, std::span<const uint8_t> message) {
  if (openssl_) {
    openssl_->Update(more);
    return Sha256(message);
  }
  return Take(more, &message);
}

sha256_internal::Lane Sha256Stream::Begin(std::span<const uint8_t> more, uint8_t* completed,
                                          std::span<const uint8_t>* rest) {
  total_ += more.size();
  Lane stream{state_.data()};
  if (partial_len_ > 0) {
    const size_t take = std::min(64 - partial_len_, more.size());
    if (take > 0) std::memcpy(partial_.data() + partial_len_, more.data(), take);
    partial_len_ += take;
    more = more.subspan(take);
    if (partial_len_ == 64) {
      std::memcpy(completed, partial_.data(), 64);
      stream.Add(completed, 1);
      partial_len_ = 0;
    }
  }
  const size_t whole = more.size() / 64;
  stream.Add(more.data(), whole);
  *rest = more.subspan(64 * whole);
  return stream;
}

void Sha256Stream::Keep(std::span<const uint8_t> rest) {
  // A leftover can only exist when Begin emptied the partial block.
  if (!rest.empty()) std::memcpy(partial_.data() + partial_len_, rest.data(), rest.size());
  partial_len_ += rest.size();
}

Sha256Digest Sha256Stream::Take(std::span<const uint8_t> more, const std::span<const uint8_t>* message) {
  std::array<uint8_t, 64> completed;
  std::span<const uint8_t> rest;
  Lane stream = Begin(more, completed.data(), &rest);
  std::array<uint32_t, 8> message_state = kInitialState;
  Lane other{message_state.data()};
  const std::span<const uint8_t> text = message ? *message : std::span<const uint8_t>();
  Padding padding = PaddingOf(text);
  if (message) AddMessage(other, text, padding);
  Drive(stream, other);
  Keep(rest);
  return DigestOf(message_state.data());
}

Sha256Digest Sha256Stream::Final() {
  if (openssl_) return openssl_->Final();
  Padding padding(std::span<const uint8_t>(partial_.data(), partial_len_), total_);
  Lane stream{state_.data()};
  stream.Add(padding.bytes.data(), padding.blocks);
  Lane none{nullptr};
  Drive(stream, none);
  return DigestOf(state_.data());
}

Sha256LanePair::Sha256LanePair(Sha256Kernel kernel) : lanes_(UseLanes(kernel)) {}

void Sha256LanePair::Start(int lane, std::span<const uint8_t> message) {
  Slot& slot = slots_[static_cast<size_t>(lane)];
  slot = Slot{};
  slot.busy = true;
  if (!lanes_) {
    slot.digest = Sha256(message);
    return;
  }
  slot.state = kInitialState;
  slot.work.state = slot.state.data();
  Padding padding = PaddingOf(message);
  std::memcpy(slot.tail.data(), padding.bytes.data(), sizeof(slot.tail));
  slot.work.Add(message.data(), message.size() / 64);
  slot.work.Add(slot.tail.data(), padding.blocks);
}

void Sha256LanePair::StartStream(int lane, Sha256Stream& stream, std::span<const uint8_t> more) {
  Slot& slot = slots_[static_cast<size_t>(lane)];
  slot = Slot{};
  slot.busy = true;
  if (stream.openssl_) {
    stream.openssl_->Update(more);
    return;
  }
  slot.stream = &stream;
  slot.work = stream.Begin(more, slot.tail.data(), &slot.rest);
}

std::optional<std::pair<int, Sha256Digest>> Sha256LanePair::Run() {
  Slot* a = slots_[0].busy ? &slots_[0] : nullptr;
  Slot* b = slots_[1].busy ? &slots_[1] : nullptr;
  if (!a && !b) return std::nullopt;
  // Without SHA-NI a message was hashed at Start and has no work left.
  DriveUntilOneEnds(a ? &a->work : nullptr, b ? &b->work : nullptr);
  const int lane = a && a->work.done() ? 0 : 1;
  Slot& slot = slots_[static_cast<size_t>(lane)];
  slot.busy = false;
  if (slot.stream) {
    slot.stream->Keep(slot.rest);
    return std::pair{lane, Sha256Digest{}};
  }
  return std::pair{lane, lanes_ ? DigestOf(slot.state.data()) : slot.digest};
}

std::pair<Sha256Digest, Sha256Digest> Sha256Pair(std::span<const uint8_t> a, std::span<const uint8_t> b,
                                                  Sha256Kernel kernel) {
  if (!UseLanes(kernel)) return {Sha256(a), Sha256(b)};
  std::array<uint32_t, 8> state_a = kInitialState, state_b = kInitialState;
  Lane lane_a{state_a.data()}, lane_b{state_b.data()};
  Padding pad_a = PaddingOf(a), pad_b = PaddingOf(b);
  AddMessage(lane_a, a, pad_a);
  AddMessage(lane_b, b, pad_b);
  Drive(lane_a, lane_b);
  return {DigestOf(state_a.data()), DigestOf(state_b.data())};
}

}  // namespace hort::crypto
