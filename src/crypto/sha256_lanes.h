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
  // Takes in `more`; hashes `*message` alongside when there is one.
  Sha256Digest Take(std::span<const uint8_t> more, const std::span<const uint8_t>* message);

  std::optional<Sha256Hasher> openssl_;  // set when not accelerated
  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> partial_{};
  size_t partial_len_ = 0;
  uint64_t total_ = 0;
};

// The SHA-256 of `a` and of `b`, computed together.
[[nodiscard]] std::pair<Sha256Digest, Sha256Digest> Sha256Pair(std::span<const uint8_t> a, std::span<const uint8_t> b,
                                                              Sha256Kernel kernel = Sha256Kernel::kBest);

}  // namespace hort::crypto
