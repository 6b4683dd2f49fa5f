// What a server needs to check a secret someone presents: an HMAC, a
// comparison whose time does not depend on where the inputs differ, and
// password hashes as htpasswd files hold them (bcrypt).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "crypto/crypto.h"

namespace hort::crypto {

[[nodiscard]] Sha256Digest HmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> message);

// Equal strings of any length, in time that depends only on their lengths
// (both are hashed first, so a length difference does not end it early).
[[nodiscard]] bool ConstantTimeEqual(std::string_view a, std::string_view b);

// Whether `password` matches a bcrypt hash ("$2y$…", "$2b$…", "$2a$…", as
// `htpasswd -B` writes). kInvalidArgument: not a bcrypt hash.
[[nodiscard]] Result<bool> VerifyBcrypt(std::string_view password, const std::string& hash);

// A bcrypt hash of `password` with a random salt and 2^cost rounds (tests;
// users make theirs with `htpasswd -B`).
[[nodiscard]] Result<std::string> HashBcrypt(std::string_view password, int cost);

}  // namespace hort::crypto
