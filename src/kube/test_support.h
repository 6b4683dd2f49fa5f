// Temporary directories, environment variables and fixture files for the kube unit tests.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>

namespace hort::kube::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "hort-kube-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  [[nodiscard]] const std::string& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& text, bool executable = false) const {
    std::string p = path_ + "/" + name;
    std::filesystem::create_directories(std::filesystem::path(p).parent_path());
    std::ofstream(p, std::ios::binary) << text;
    if (executable) ::chmod(p.c_str(), 0755);
    return p;
  }
  [[nodiscard]] std::string Read(const std::string& name) const {
    std::ifstream in(path_ + "/" + name);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  std::string path_;
};

// Sets (or, with nullopt, unsets) variables for one test and restores them.
class ScopedEnv {
 public:
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

#ifdef HORT_KUBE_TESTDATA
// A file of tests/kube/fixtures (kube-apiserver's own documents, which the test API server serves), whole.
inline std::string Testdata(const std::string& name) {
  std::ifstream in(std::string(HORT_KUBE_TESTDATA) + "/" + name);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
#endif

}  // namespace hort::kube::testing
