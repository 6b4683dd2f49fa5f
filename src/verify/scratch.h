// The scratch target a restore test restores into, removed whatever the
// restored modes are.
#pragma once

#include <string>

#include "util/status.h"

namespace hort {

// Removes `path` and everything below it. A non-root hort (the image runs as
// 65532) cannot remove the entries of a restored folder without write
// permission (a 0500 folder of the snapshot): every folder is made
// owner-writable and -searchable first. Symlinks are removed, never followed.
[[nodiscard]] Status RemoveScratchTree(const std::string& path);

}  // namespace hort
