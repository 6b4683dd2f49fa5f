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

// A fresh folder below the temporary directory, removed with the guard.
struct TempFolder {
  explicit TempFolder(const std::string& what) : path(FreshTempPath(what)) { std::filesystem::create_directories(path); }
  ~TempFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  std::filesystem::path path;
};

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
