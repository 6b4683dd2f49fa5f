// For tests: fresh folders below the temporary directory that go away with
// their guard, whatever the test asserts, so suites leave nothing behind.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>

namespace hort {

// A path below the temporary directory that nothing else uses and that does
// not exist yet (for code under test that must create its folder itself).
inline std::filesystem::path FreshTempPath(const std::string& what) {
  static int counter = 0;
  auto dir = std::filesystem::temp_directory_path() /
             ("hort-" + what + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(dir);
  return dir;
}

// A folder made by mkdtemp, named "hort-<what>-XXXXXX", removed with the
// guard. Its entries are made writable first: a restore may leave read-only
// folders, which would otherwise keep their contents.
class TempFolder {
 public:
  explicit TempFolder(const std::string& what) {
    std::string pattern = (std::filesystem::temp_directory_path() / ("hort-" + what + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::filesystem::filesystem_error("mkdtemp", pattern, std::error_code(errno, std::generic_category()));
    path_ = pattern;
  }
  ~TempFolder() {
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(path_, ec); !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      std::filesystem::permissions(it->path(), std::filesystem::perms::owner_all, std::filesystem::perm_options::add, ec);
    }
    std::filesystem::remove_all(path_, ec);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::filesystem::path operator/(const std::string& name) const { return std::filesystem::path(path_) / name; }

  // Writes `text` to `name` below the folder (parents made) and returns its path.
  std::string Write(const std::string& name, const std::string& text, bool executable = false) const {
    std::string p = path_ + "/" + name;
    std::filesystem::create_directories(std::filesystem::path(p).parent_path());
    std::ofstream(p, std::ios::binary) << text;
    if (executable) ::chmod(p.c_str(), 0755);
    return p;
  }
  // The whole of `name` below the folder, or "" when it cannot be read.
  [[nodiscard]] std::string Read(const std::string& name) const {
    std::ifstream in(path_ + "/" + name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  std::string path_;
};

}  // namespace hort
