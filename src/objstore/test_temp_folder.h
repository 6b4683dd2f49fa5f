// For tests: a local store in a fresh temporary folder that is removed with
// the store, so suites that make thousands of objects leave nothing behind.
#pragma once


#include <filesystem>
#include <string>

#include "objstore/forwarding_store.h"
#include "util/test_temp_folder.h"

namespace hort {

// Files of this process open under `root`, by /proc/self/fd: a local
// store keeps each committed upload open until it is synced.
inline size_t OpenFilesUnder(const std::filesystem::path& root) {
  size_t n = 0;
  for (auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    auto target = std::filesystem::read_symlink(e.path(), ec);
    n += !ec && target.string().starts_with(root.string() + "/");
  }
  return n;
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
