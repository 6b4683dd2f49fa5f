// A 32-byte SHA-256 identifier of a blob, pack, tree or repository file.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace hort {

struct Id {
  std::array<uint8_t, 32> bytes{};

  [[nodiscard]] static Id Hash(std::span<const uint8_t> data);
  [[nodiscard]] static std::optional<Id> Parse(std::string_view hex);
  [[nodiscard]] std::string Hex() const;
  [[nodiscard]] std::string Short() const { return Hex().substr(0, 8); }
  [[nodiscard]] bool IsZero() const {
    for (uint8_t b : bytes) if (b) return false;
    return true;
  }
  auto operator<=>(const Id&) const = default;
};

struct IdHash {
  size_t operator()(const Id& id) const {
    size_t h;
    std::memcpy(&h, id.bytes.data(), sizeof(h));  // already uniformly random
    return h;
  }
};

}  // namespace hort
