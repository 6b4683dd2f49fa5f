#include "util/lexical_path.h"

#include <unistd.h>

namespace hort {

std::vector<std::string> CleanComponents(const std::string& path, bool keep_leading_up) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(start, end - start);
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (keep_leading_up) {
        parts.push_back(std::move(part));
      }
    } else if (!part.empty() && part != ".") {
      parts.push_back(std::move(part));
    }
    start = end + 1;
  }
  return parts;
}

std::string LexicalClean(const std::string& path) {
  const bool rooted = !path.empty() && path[0] == '/';
  // A relative path may climb above its start; a rooted one cannot.
  std::vector<std::string> parts = CleanComponents(path, /*keep_leading_up=*/!rooted);
  std::string out = rooted ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "/" : "") + parts[i];
  return out.empty() ? "." : out;
}

std::string AbsolutePath(const std::string& path) {
  std::string full = path;
  if (full.empty() || full[0] != '/') {
    char cwd[4096];
    if (::getcwd(cwd, sizeof(cwd)) == nullptr) return path;
    full = std::string(cwd) + "/" + path;
  }
  std::string out;
  for (const auto& p : CleanComponents(full)) out += "/" + p;
  return out.empty() ? "/" : out;
}

}  // namespace hort
