// Paths cleaned by their text alone, as Go's path/filepath cleans them for
// restic: no file system is asked, no symlink resolved.
#pragma once

#include <string>
#include <vector>

namespace hort {

// `path` cleaned lexically as Go's filepath.Clean does: no empty or "."
// components, ".." applied (kept at the start of a relative path), no
// trailing slash; "" is ".".
[[nodiscard]] std::string LexicalClean(const std::string& path);

// The absolute, lexically cleaned form of `path` (no symlinks resolved).
[[nodiscard]] std::string AbsolutePath(const std::string& path);

// Path components with "." dropped and ".." applied lexically: never above
// the start, or, with keep_leading_up, kept where there is nothing to drop.
[[nodiscard]] std::vector<std::string> CleanComponents(const std::string& path, bool keep_leading_up = false);

}  // namespace hort
