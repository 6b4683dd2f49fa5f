// SHA-256 two at a time. With SHA-NI one hash leaves the core mostly
// waiting: each round instruction depends on the one before and takes
// several cycles, while the core could start one every cycle or two. Two
// independent hashes interleaved on one core run at about 1.8x the bytes per
// second of one (3.2 against 1.8 GB/s on this machine's Zen 4). Callers with
// two things to hash at once (a pack and the blobs inside it, two blobs of
// one pack) hash them here together.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>

#include "crypto/crypto.h"

namespace hort::crypto {

namespace sha256_internal {
// One lane's work: up to three runs of whole 64-byte blocks, hashed in order
// (a stream's completed partial block, the caller's bytes, the padding).
struct Lane {
  struct Run {
    const uint8_t* data;
    size_t blocks;
  };
  uint32_t* state = nullptr;
  std::array<Run, 3> runs{};
  size_t count = 0;
  size_t next = 0;

  void Add(const uint8_t* data, size_t blocks) {
    if (blocks > 0) runs[count++] = {data, blocks};
  }
  [[nodiscard]] bool done() const { return next == count; }
  void Advance(size_t blocks) {
    runs[next].data += 64 * blocks;
    runs[next].blocks -= blocks;
    if (runs[next].blocks == 0) ++next;
  }
};
}  // namespace sha256_internal

// kOpenSsl hashes one message after the other with OpenSSL; tests use it as
// the oracle, and it is what kBest falls back to without SHA-NI.
enum class Sha256Kernel { kBest, kOpenSsl };

// The CPU has SHA-NI (and SSE4.1), so kBest interleaves.
[[nodiscard]] bool Sha256LanesAccelerated();

// An incremental SHA-256 that can take in more of its stream while hashing a
// separate, complete message in the other lane.
class Sha256Stream {
 public:
  explicit Sha256Stream(Sha256Kernel kernel = Sha256Kernel::kBest);
  void Update(std::span<const uint8_t> data);
  // Takes in `more` and returns the SHA-256 of `message`; both advance
  // together for as many blocks as both have, the longer one then alone.
  [[nodiscard]] Sha256Digest UpdateAlongside(std::span<const uint8_t> more, std::span<const uint8_t> message);
  // The digest of everything taken in; the stream is spent afterwards.
  [[nodiscard]] Sha256Digest Final();

 private:
  friend class Sha256LanePair;
  // The work of taking in `more` as a lane: a partial block that `more`
  // completes (copied to `completed`, 64 bytes) and the whole blocks after
  // it. `*rest` is what is left; Keep takes it once the lane has run.
  sha256_internal::Lane Begin(std::span<const uint8_t> more, uint8_t* completed, std::span<const uint8_t>* rest);
  void Keep(std::span<const uint8_t> rest);
  // Takes in `more`; hashes `*message` alongside when there is one.
  Sha256Digest Take(std::span<const uint8_t> more, const std::span<const uint8_t>* message);

  std::optional<Sha256Hasher> openssl_;  // set when not accelerated
  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> partial_{};
  size_t partial_len_ = 0;
  uint64_t total_ = 0;
};

// Messages hashed two at a time with both lanes kept full: when one lane's
// message ends, the caller starts the next message in that lane while the
// other goes on. Sha256Pair leaves the longer message's tail to one lane
// (restore's blobs differ in size by MiB, so a quarter of their bytes ran
// alone, at half the rate).
class Sha256LanePair {
 public:
  explicit Sha256LanePair(Sha256Kernel kernel = Sha256Kernel::kBest);
  Sha256LanePair(const Sha256LanePair&) = delete;  // the lanes point into their slots
  Sha256LanePair& operator=(const Sha256LanePair&) = delete;
  // Starts hashing `message` in `lane` (0 or 1), which must be free. The
  // bytes must stay in place until Run returns that lane.
  void Start(int lane, std::span<const uint8_t> message);
  // Starts taking `more` into `stream` in `lane`: check hashes a whole pack
  // in one lane while the blobs inside it go through the other. The stream
  // must not be used until Run returns that lane.
  void StartStream(int lane, Sha256Stream& stream, std::span<const uint8_t> more);
  // Hashes until a lane's work is complete and returns that lane, now free,
  // with its message's digest (zero for a stream); nullopt when both lanes
  // are free.
  [[nodiscard]] std::optional<std::pair<int, Sha256Digest>> Run();

 private:
  struct Slot {
    bool busy = false;
    std::array<uint32_t, 8> state{};
    std::array<uint8_t, 128> tail{};  // a message's padding, or a stream's completed partial block
    sha256_internal::Lane work;
    Sha256Stream* stream = nullptr;
    std::span<const uint8_t> rest;  // a stream's bytes after its last whole block
    Sha256Digest digest{};  // without SHA-NI: computed at Start
  };
  bool lanes_;  // SHA-NI: interleave; otherwise each message at once, alone
  std::array<Slot, 2> slots_;
};

// The SHA-256 of `a` and of `b`, computed together.
[[nodiscard]] std::pair<Sha256Digest, Sha256Digest> Sha256Pair(std::span<const uint8_t> a, std::span<const uint8_t> b,
                                                              Sha256Kernel kernel = Sha256Kernel::kBest);

}  // namespace hort::crypto
