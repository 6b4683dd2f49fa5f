// Paths as a check's messages name them.
#pragma once

#include <string>

namespace hort::checker_internal {

// A path for a message: a crafted tree thousands of directories deep
// would make it a line of many kilobytes.
[[nodiscard]] inline std::string ShortPath(const std::string& path) {
  constexpr size_t kKeep = 100;
  if (path.size() <= 2 * kKeep + 5) return path;
  return path.substr(0, kKeep) + "/.../" + path.substr(path.size() - kKeep);
}

}  // namespace hort::checker_internal
