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

#include "util/test_env.h"

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

using hort::ScopedEnv;

#ifdef HORT_KUBE_TESTDATA
// A file of tests/kube/fixtures (kube-apiserver's own documents, which the test API server serves), whole.
inline std::string Testdata(const std::string& name) {
  std::ifstream in(std::string(HORT_KUBE_TESTDATA) + "/" + name);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
#endif

}  // namespace hort::kube::testing
