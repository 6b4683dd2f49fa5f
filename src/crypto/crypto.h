// restic's authenticated encryption: AES-256-CTR with a random 16-byte IV,
// then Poly1305-AES over the ciphertext. Stored form: IV || ciphertext || MAC.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "util/status.h"

namespace hort::crypto {

inline constexpr size_t kIvSize = 16;
inline constexpr size_t kMacSize = 16;
inline constexpr size_t kOverhead = kIvSize + kMacSize;

using Sha256Digest = std::array<uint8_t, 32>;

struct Key {
  std::array<uint8_t, 32> encrypt{};
  std::array<uint8_t, 16> mac_k{};  // AES-128 key that encrypts the nonce
  std::array<uint8_t, 16> mac_r{};  // Poly1305 r (clamped when used)

  [[nodiscard]] static Key Random();
  // Builds a key from 64 KDF bytes: encrypt(32) || mac_k(16) || mac_r(16).
  [[nodiscard]] static Key FromKdfOutput(std::span<const uint8_t> bytes);
  [[nodiscard]] bool Valid() const;  // all-zero keys are rejected

  // Appends IV || ciphertext || MAC of `plaintext` to `out`.
  void Encrypt(std::span<const uint8_t> plaintext, std::vector<uint8_t>* out) const;
  [[nodiscard]] std::vector<uint8_t> Encrypt(std::span<const uint8_t> plaintext) const;
  // Encrypts in place without a second buffer: `buf` holds 16 spare bytes,
  // the plaintext, then 16 spare bytes; afterwards it is IV || ciphertext || MAC.
  void SealInPlace(std::vector<uint8_t>* buf) const;
  // Verifies the MAC first; never returns unauthenticated bytes.
  [[nodiscard]] Result<std::vector<uint8_t>> Decrypt(std::span<const uint8_t> stored) const;
  [[nodiscard]] Status DecryptInto(std::span<const uint8_t> stored, std::vector<uint8_t>* out) const;
};

// Poly1305-AES: tag over msg with r and s = AES-128_k(nonce).
[[nodiscard]] std::array<uint8_t, 16> Poly1305Aes(std::span<const uint8_t> msg,
                                                  std::span<const uint8_t, 16> nonce,
                                                  std::span<const uint8_t, 16> k,
                                                  std::span<const uint8_t, 16> r);

[[nodiscard]] Sha256Digest Sha256(std::span<const uint8_t> data);

// Incremental SHA-256 for streams (files hashed while read).
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;
  void Update(std::span<const uint8_t> data);
  [[nodiscard]] Sha256Digest Final();

 private:
  void* ctx_;
};

void RandomBytes(std::span<uint8_t> out);

struct ScryptParams {
  uint64_t n = 32768;
  uint32_t r = 8;
  uint32_t p = 1;
};

[[nodiscard]] Result<std::vector<uint8_t>> Scrypt(std::string_view password,
                                                  std::span<const uint8_t> salt,
                                                  const ScryptParams& params, size_t out_len);
// OpenSSL's EVP_PBE_scrypt: the oracle for tests and the yardstick for
// calibration.
[[nodiscard]] Result<std::vector<uint8_t>> ReferenceScrypt(std::string_view password, std::span<const uint8_t> salt,
                                                           const ScryptParams& params, size_t out_len);
// Chooses parameters so that one derivation takes about `target_ms` while
// memory stays at N*r*128 bytes (restic aims at ~500 ms and <= 60 MiB).
[[nodiscard]] ScryptParams CalibrateScrypt(int target_ms);
// The same with the measurement supplied: returns the milliseconds one
// reference derivation at the given parameters takes (called once, p=1).
using ScryptTimer = std::function<double(const ScryptParams&)>;
[[nodiscard]] ScryptParams CalibrateScrypt(int target_ms, const ScryptTimer& time_reference_run);

}  // namespace hort::crypto
