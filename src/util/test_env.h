// For tests: environment variables set (or unset) for one test and put
// back when it ends, whatever it asserts.
#pragma once

#include <cstdlib>
#include <map>
#include <optional>
#include <string>

namespace hort {

class ScopedEnv {
 public:
  // nullopt unsets the variable.
  ScopedEnv& Set(const std::string& name, std::optional<std::string> value) {
    if (!saved_.count(name)) {
      const char* old = std::getenv(name.c_str());
      saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
    }
    if (value) ::setenv(name.c_str(), value->c_str(), 1); else ::unsetenv(name.c_str());
    return *this;
  }
  ~ScopedEnv() {
    for (const auto& [name, value] : saved_) {
      if (value) ::setenv(name.c_str(), value->c_str(), 1); else ::unsetenv(name.c_str());
    }
  }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

}  // namespace hort
