#include "crypto/crypto.h"

#include "crypto/scrypt_romix.h"

#include <malloc.h>
#include <pthread.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace hort::crypto {
namespace {

// Cipher contexts are costly to create; each thread keeps its own.
struct ThreadCiphers {
  EVP_CIPHER_CTX* ctr = EVP_CIPHER_CTX_new();
  EVP_CIPHER_CTX* ecb = EVP_CIPHER_CTX_new();
  EVP_MAC_CTX* mac = nullptr;
  ThreadCiphers() {
    EVP_MAC* m = EVP_MAC_fetch(nullptr, "POLY1305", nullptr);
    if (m == nullptr) throw std::runtime_error("OpenSSL lacks POLY1305");
    mac = EVP_MAC_CTX_new(m);
    EVP_MAC_free(m);
  }
  ~ThreadCiphers() {
    EVP_CIPHER_CTX_free(ctr);
    EVP_CIPHER_CTX_free(ecb);
    EVP_MAC_CTX_free(mac);
  }
};

ThreadCiphers& Ciphers() {
  thread_local ThreadCiphers c;
  return c;
}

void AesCtr(std::span<const uint8_t, 32> key, std::span<const uint8_t> iv,
            std::span<const uint8_t> in, uint8_t* out) {
  EVP_CIPHER_CTX* ctx = Ciphers().ctr;
  EVP_EncryptInit_ex2(ctx, EVP_aes_256_ctr(), key.data(), iv.data(), nullptr);
  int len = 0;
  // EVP_EncryptUpdate takes an int length; feed large buffers in slices.
  size_t done = 0;
  while (done < in.size()) {
    int n = static_cast<int>(std::min<size_t>(in.size() - done, 1 << 30));
    EVP_EncryptUpdate(ctx, out + done, &len, in.data() + done, n);
    done += static_cast<size_t>(n);
  }
}

// IVs are drawn from a block of random bytes per thread: RAND_bytes asks the
// kernel for the process ID on every call (OpenSSL's fork check), one system
// call per blob, 60,000 in a first backup of a /usr copy. A forked child
// drops its block (pthread_atfork), so it never repeats its parent's IVs.
struct IvBlock {
  std::array<uint8_t, 4096> bytes;
  size_t used = sizeof(bytes);
};
thread_local IvBlock iv_block;

void RandomIv(uint8_t* iv) {
  if (iv_block.used + kIvSize > iv_block.bytes.size()) {
    // Registered before any block is filled: without the handler a child
    // could repeat IVs, so a failed registration is not survivable.
    static std::once_flag fork_handler;
    std::call_once(fork_handler, [] {
      if (pthread_atfork(nullptr, nullptr, [] { iv_block.used = iv_block.bytes.size(); }) != 0) std::abort();
    });
    RandomBytes(iv_block.bytes);
    iv_block.used = 0;
  }
  std::memcpy(iv, iv_block.bytes.data() + iv_block.used, kIvSize);
  iv_block.used += kIvSize;
}

}  // namespace

std::array<uint8_t, 16> Poly1305Aes(std::span<const uint8_t> msg,
                                    std::span<const uint8_t, 16> nonce,
                                    std::span<const uint8_t, 16> k,
                                    std::span<const uint8_t, 16> r) {
  ThreadCiphers& c = Ciphers();
  uint8_t poly_key[32];
  std::memcpy(poly_key, r.data(), 16);
  // OpenSSL clamps r itself, as restic's masking does.
  int len = 0;
  EVP_EncryptInit_ex2(c.ecb, EVP_aes_128_ecb(), k.data(), nullptr, nullptr);
  EVP_CIPHER_CTX_set_padding(c.ecb, 0);
  EVP_EncryptUpdate(c.ecb, poly_key + 16, &len, nonce.data(), 16);
  std::array<uint8_t, 16> tag{};
  EVP_MAC_init(c.mac, poly_key, sizeof(poly_key), nullptr);
  size_t done = 0;
  while (done < msg.size()) {
    size_t n = std::min<size_t>(msg.size() - done, 1 << 30);
    EVP_MAC_update(c.mac, msg.data() + done, n);
    done += n;
  }
  size_t out_len = 0;
  EVP_MAC_final(c.mac, tag.data(), &out_len, tag.size());
  OPENSSL_cleanse(poly_key, sizeof(poly_key));
  return tag;
}

Key Key::Random() {
  Key k;
  RandomBytes(k.encrypt);
  RandomBytes(k.mac_k);
  RandomBytes(k.mac_r);
  return k;
}

Key Key::FromKdfOutput(std::span<const uint8_t> bytes) {
  Key k;
  std::memcpy(k.encrypt.data(), bytes.data(), 32);
  std::memcpy(k.mac_k.data(), bytes.data() + 32, 16);
  std::memcpy(k.mac_r.data(), bytes.data() + 48, 16);
  return k;
}

bool Key::Valid() const {
  auto nonzero = [](auto& a) { return std::any_of(a.begin(), a.end(), [](uint8_t b) { return b != 0; }); };
  return nonzero(encrypt) && nonzero(mac_k) && nonzero(mac_r);
}

void Key::Encrypt(std::span<const uint8_t> plaintext, std::vector<uint8_t>* out) const {
  size_t base = out->size();
  out->resize(base + kOverhead + plaintext.size());
  uint8_t* iv = out->data() + base;
  RandomIv(iv);
  uint8_t* ct = iv + kIvSize;
  AesCtr(encrypt, {iv, kIvSize}, plaintext, ct);
  auto tag = Poly1305Aes({ct, plaintext.size()}, std::span<const uint8_t, 16>(iv, 16), mac_k, mac_r);
  std::memcpy(ct + plaintext.size(), tag.data(), kMacSize);
}

void Key::SealInPlace(std::vector<uint8_t>* buf) const {
  uint8_t* iv = buf->data();
  size_t n = buf->size() - kOverhead;
  RandomIv(iv);
  uint8_t* body = iv + kIvSize;
  AesCtr(encrypt, {iv, kIvSize}, {body, n}, body);
  auto tag = Poly1305Aes({body, n}, std::span<const uint8_t, 16>(iv, 16), mac_k, mac_r);
  std::memcpy(body + n, tag.data(), kMacSize);
}

std::vector<uint8_t> Key::Encrypt(std::span<const uint8_t> plaintext) const {
  std::vector<uint8_t> out;
  out.reserve(plaintext.size() + kOverhead);
  Encrypt(plaintext, &out);
  return out;
}

Status Key::DecryptInto(std::span<const uint8_t> stored, std::vector<uint8_t>* out) const {
  if (stored.size() < kOverhead) return Status(Code::kCorruption, "ciphertext too short");
  std::span<const uint8_t, 16> iv(stored.data(), 16);
  auto ct = stored.subspan(kIvSize, stored.size() - kOverhead);
  auto tag = Poly1305Aes(ct, iv, mac_k, mac_r);
  if (CRYPTO_memcmp(tag.data(), stored.data() + stored.size() - kMacSize, kMacSize) != 0) {
    return Status(Code::kCorruption, "ciphertext verification failed (MAC mismatch)");
  }
  out->resize(ct.size());
  AesCtr(encrypt, iv, ct, out->data());
  return Status::Ok();
}

Result<std::vector<uint8_t>> Key::Decrypt(std::span<const uint8_t> stored) const {
  std::vector<uint8_t> out;
  HORT_RETURN_IF_ERROR(DecryptInto(stored, &out));
  return out;
}

Sha256Digest Sha256(std::span<const uint8_t> data) {
  Sha256Digest d{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), d.data(), &len, EVP_sha256(), nullptr);
  return d;
}

Sha256Hasher::Sha256Hasher() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr);
}
Sha256Hasher::~Sha256Hasher() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }
void Sha256Hasher::Update(std::span<const uint8_t> data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
}
Sha256Digest Sha256Hasher::Final() {
  Sha256Digest d{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), d.data(), &len);
  return d;
}

void RandomBytes(std::span<uint8_t> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    // Without randomness no key or IV is safe; this is not recoverable.
    std::abort();
  }
}

Result<std::vector<uint8_t>> Scrypt(std::string_view password, std::span<const uint8_t> salt,
                                    const ScryptParams& params, size_t out_len) {
  if (params.n < 2 || (params.n & (params.n - 1)) != 0 || params.n > (1ull << 32) || params.r == 0 || params.p == 0 ||
      params.r > 64 || params.p > 1024 || 128ull * params.r * params.n > (1ull << 31)) {
    return Status(Code::kCorruption, "invalid scrypt parameters");
  }
  // scrypt = PBKDF2(P, S, 1) → ROMix per lane → PBKDF2(P, B, 1).
  std::vector<uint8_t> b(128ull * params.r * params.p);
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(), static_cast<int>(salt.size()), 1,
                        EVP_sha256(), static_cast<int>(b.size()), b.data()) != 1) {
    return Status(Code::kInternal, "scrypt key derivation failed");
  }
  if (!ScryptMixLanes(b, params.n, params.r, params.p)) {
    return Status(Code::kInternal, "scrypt key derivation: cannot map " + std::to_string(128ull * params.r * params.n >> 20) +
                                       " MiB of memory");
  }
  std::vector<uint8_t> out(out_len);
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), b.data(), static_cast<int>(b.size()), 1,
                        EVP_sha256(), static_cast<int>(out.size()), out.data()) != 1) {
    return Status(Code::kInternal, "scrypt key derivation failed");
  }
  OPENSSL_cleanse(b.data(), b.size());
  return out;
}

Result<std::vector<uint8_t>> ReferenceScrypt(std::string_view password, std::span<const uint8_t> salt,
                                             const ScryptParams& params, size_t out_len) {
  std::vector<uint8_t> out(out_len);
  uint64_t maxmem = 128ull * params.r * (params.n + params.p + 2) + (64ull << 20);
  if (EVP_PBE_scrypt(password.data(), password.size(), salt.data(), salt.size(), params.n, params.r, params.p, maxmem,
                     out.data(), out.size()) != 1) {
    return Status(Code::kInternal, "scrypt key derivation failed");
  }
  return out;
}

ScryptParams CalibrateScrypt(int target_ms) {
  return CalibrateScrypt(target_ms, [](const ScryptParams& params) {
    uint8_t salt[16] = {};
    auto start = std::chrono::steady_clock::now();
    (void)ReferenceScrypt("calibrate", salt, params, 64);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    // OpenSSL's 32 MiB block was freed onto the top of malloc's heap, where it
    // would stay beside the derivation's own mapping and double the peak.
    malloc_trim(0);
    return ms;
  });
}

ScryptParams CalibrateScrypt(int target_ms, const ScryptTimer& time_reference_run) {
  // N=2^15, r=8: 32 MiB, below restic's 60 MiB cap; p scales the cost
  // linearly at constant memory. One lane of OpenSSL's portable scrypt is
  // timed at half that N and doubled, so a key costs an attacker about what
  // restic's does (restic picks p=7 on the bench machine, and so does this)
  // while calibrating takes ~40 ms instead of a full lane or two: the cost
  // of scrypt is its Salsa20/8 work, linear in N, whereas how much the
  // 32 MiB lane overflows this machine's caches says nothing about an
  // attacker's. hort's own SIMD derivation then takes less than target_ms.
  ScryptParams params;
  ScryptParams half = params;
  half.n = params.n / 2;
  const double lane_ms = 2 * time_reference_run(half);
  const double lanes = lane_ms > 0 ? target_ms / lane_ms : 64;
  params.p = static_cast<uint32_t>(std::clamp<long>(std::lround(lanes), 1, 64));
  return params;
}

}  // namespace hort::crypto
