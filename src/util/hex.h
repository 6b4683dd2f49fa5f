#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hort {

[[nodiscard]] std::string HexEncode(std::span<const uint8_t> data);
// Accepts upper and lower case; nullopt on odd length or a non-hex digit.
[[nodiscard]] std::optional<std::vector<uint8_t>> HexDecode(std::string_view hex);
// The same into `out`, which `hex` must fill exactly; false (and `out`
// unspecified) otherwise. No allocation: index files decode one per blob.
[[nodiscard]] bool HexDecodeInto(std::string_view hex, std::span<uint8_t> out);

[[nodiscard]] std::string Base64Encode(std::span<const uint8_t> data);
[[nodiscard]] std::optional<std::vector<uint8_t>> Base64Decode(std::string_view text);

inline std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view AsChars(std::span<const uint8_t> s) {
  return {reinterpret_cast<const char*>(s.data()), s.size()};
}

}  // namespace hort
