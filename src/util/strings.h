// Small string helpers more than one concept needs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hort {

// "a, b, c" from {"a", "b", "c"} and ", ".
[[nodiscard]] inline std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

}  // namespace hort
