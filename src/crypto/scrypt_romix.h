// scrypt (RFC 7914) with an SSE2 Salsa20/8 core (two lanes at once with
// AVX2). OpenSSL's scrypt is portable C; the same parameters computed here
// give the identical key in a fraction of the time, so a repository's key costs an attacker what restic's
// costs while hort's own commands wait less. Checked against the RFC's test
// vectors and against OpenSSL's EVP_PBE_scrypt.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace hort::crypto {

// B (p * 128 * r bytes, from PBKDF2) is mixed in place; lanes run on up to
// four cores (two lanes per core with AVX2) within the memory of one lane
// (128 * r * n bytes). False when that memory cannot be mapped.
[[nodiscard]] bool ScryptMixLanes(std::span<uint8_t> b, uint64_t n, uint32_t r, uint32_t p);
// Which core runs the lanes: the best the CPU has (two lanes per core with
// AVX2), or one lane per core with SSE2 whatever the CPU.
enum class ScryptKernel { kBest, kOneLanePerCore };
// The same on at most `max_parallel` cores (1..4), for tests of every
// memory split and kernel whatever the machine.
[[nodiscard]] bool ScryptMixLanes(std::span<uint8_t> b, uint64_t n, uint32_t r, uint32_t p, uint32_t max_parallel,
                                  ScryptKernel kernel);
// Whether kBest runs two lanes per core here.
[[nodiscard]] bool ScryptAvx2Available();

}  // namespace hort::crypto
