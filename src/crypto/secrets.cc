#include "crypto/secrets.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>
#include <memory>

namespace hort::crypto {

Sha256Digest HmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> message) {
  Sha256Digest out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), message.data(), message.size(), out.data(), &len);
  return out;
}

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  const Sha256Digest da = Sha256({reinterpret_cast<const uint8_t*>(a.data()), a.size()});
  const Sha256Digest db = Sha256({reinterpret_cast<const uint8_t*>(b.data()), b.size()});
  return CRYPTO_memcmp(da.data(), db.data(), da.size()) == 0 && a.size() == b.size();
}

namespace {

bool IsBcrypt(const std::string& hash) {
  return hash.size() == 60 && (hash.starts_with("$2y$") || hash.starts_with("$2b$") || hash.starts_with("$2a$"));
}

}  // namespace

Result<bool> VerifyBcrypt(std::string_view password, const std::string& hash) {
  if (!IsBcrypt(hash)) return Status(Code::kInvalidArgument, "not a bcrypt hash (expected $2y$, $2b$ or $2a$, as htpasswd -B writes)");
  if (password.find('\0') != std::string_view::npos) return false;
  // crypt_r's state is large (~32 KiB): on the heap, one per call, so
  // concurrent requests need no lock.
  auto data = std::make_unique<crypt_data>();
  const std::string pw(password);
  const char* out = crypt_r(pw.c_str(), hash.c_str(), data.get());
  if (out == nullptr || out[0] == '*') return Status(Code::kInternal, "bcrypt is not available in this libcrypt");
  return ConstantTimeEqual(out, hash);
}

Result<std::string> HashBcrypt(std::string_view password, int cost) {
  uint8_t random[16];
  RandomBytes(random);
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (!crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost), reinterpret_cast<const char*>(random), sizeof random, salt,
                        sizeof salt)) {
    return Status(Code::kInternal, "bcrypt is not available in this libcrypt");
  }
  auto data = std::make_unique<crypt_data>();
  const std::string pw(password);
  const char* out = crypt_r(pw.c_str(), salt, data.get());
  if (out == nullptr || out[0] == '*') return Status(Code::kInternal, "bcrypt is not available in this libcrypt");
  return std::string(out);
}

}  // namespace hort::crypto
