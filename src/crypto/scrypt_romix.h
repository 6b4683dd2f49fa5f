// scrypt (RFC 7914) with an SSE2 Salsa20/8 core. OpenSSL's scrypt is
// portable C; the same parameters computed here give the identical key in
// about half the time, so a repository's key costs an attacker what restic's
// costs while hort's own commands wait less. Checked against the RFC's test
// vectors and against OpenSSL's EVP_PBE_scrypt.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace hort::crypto {

// B (p * 128 * r bytes, from PBKDF2) is mixed in place, lane by lane.
void ScryptMixLanes(std::span<uint8_t> b, uint64_t n, uint32_t r, uint32_t p);

}  // namespace hort::crypto
