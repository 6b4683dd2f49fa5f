// The catalog tests' fixture: a catalog written to a fresh folder and loaded,
// its error lines returned (catalog_test.cc and the tests of each check).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "catalog/catalog.h"

namespace hort {

// A catalog of one critical service `app` (rpo 1d) whose `files:` are these
// YAML lines (six spaces in), over `repositories` (default: main).
inline std::string AppFiles(const std::string& files,
                            const std::string& repositories = "  main: {url: ./repo, password_env: PW}\n") {
  return "repositories:\n" + repositories + "services:\n  app:\n    classification: critical\n    rpo: 1d\n    files:\n" + files;
}

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("hort-catalog-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& text) {
    std::string p = (dir_ / "hort.yaml").string();
    std::ofstream(p) << text;
    return p;
  }
  // Loads `text` and returns every error line (empty when it loaded).
  std::vector<std::string> Errors(const std::string& text) {
    CatalogErrors errors;
    auto c = LoadCatalog(Write(text), &errors);
    if (c.ok()) return {};
    EXPECT_FALSE(errors.lines.empty());
    return errors.lines.empty() ? std::vector<std::string>{c.status().message()} : errors.lines;
  }

  std::filesystem::path dir_;
};

}  // namespace hort
