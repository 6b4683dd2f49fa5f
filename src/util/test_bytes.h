// Test support: reproducible pseudo-random bytes (incompressible, distinct
// per seed) for tests that need data whose content matters only by its hash.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace hort {

inline std::vector<uint8_t> SeededBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> out(n);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

}  // namespace hort
