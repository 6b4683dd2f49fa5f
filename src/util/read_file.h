// A whole file read by descriptor. A stream opens a folder and then reads
// nothing, or throws on its first read: both were taken for an empty file
// (an exclude file that excluded nothing) or aborted hort.
#pragma once

#include <string>

#include "util/status.h"

namespace hort {

// The file's bytes; kInvalidArgument "cannot read WHAT PATH: <strerror>"
// (EISDIR for a folder, ENOENT for a missing file).
[[nodiscard]] Result<std::string> ReadWholeFile(const std::string& path, const std::string& what);

}  // namespace hort
