#include "verify/scratch.h"

#include <sys/stat.h>

#include <filesystem>
#include <system_error>

namespace hort {
namespace {

namespace fs = std::filesystem;

void OpenFoldersFor(const fs::path& dir) {
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return;
  if ((st.st_mode & S_IRWXU) != S_IRWXU) (void)::chmod(dir.c_str(), (st.st_mode & 07777) | S_IRWXU);
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) OpenFoldersFor(it->path());
  }
}

}  // namespace

Status RemoveScratchTree(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(path, ec))) return Status::Ok();
  OpenFoldersFor(path);
  fs::remove_all(path, ec);
  if (ec) return Status(Code::kIo, "could not remove the scratch target " + path + ": " + ec.message());
  return Status::Ok();
}

}  // namespace hort
