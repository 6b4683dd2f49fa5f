// Reading the process environment: an unset variable reads as empty, which
// is how every caller treats it (restic does the same).
#pragma once

#include <cstdlib>
#include <string>

namespace hort {

[[nodiscard]] inline std::string Env(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v ? v : "";
}

}  // namespace hort
