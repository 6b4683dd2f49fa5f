// For tests: a local store in a fresh temporary folder that is removed with
// the store, so suites that make thousands of objects leave nothing behind.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

#include "objstore/forwarding_store.h"

namespace hort {

// A path below the temporary directory that nothing else uses and that does not exist yet.
inline std::filesystem::path FreshTempPath(const std::string& what) {
  static int counter = 0;
  auto dir = std::filesystem::temp_directory_path() /
             ("hort-" + what + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(dir);
  return dir;
}

class TempFolderStore : public ForwardingStore {
 public:
  explicit TempFolderStore(const std::string& what) : TempFolderStore(FreshTempPath(what), Fresh{}) {}
  ~TempFolderStore() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

 private:
  struct Fresh {};
  TempFolderStore(std::filesystem::path dir, Fresh) : ForwardingStore(NewLocalStore(dir.string())), dir_(dir) {}
  std::filesystem::path dir_;
};

}  // namespace hort
