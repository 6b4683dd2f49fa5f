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
#include "util/test_temp_folder.h"

namespace hort::kube::testing {

// A fresh folder for one test's files (kubeconfigs, tokens, plugins), removed afterwards.
class TempDir : public hort::TempFolder {
 public:
  TempDir() : hort::TempFolder("kube") {}
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
