// restic's size arguments (--exclude-larger-than, --read-data-subset SIZE).
#pragma once

#include <cstdint>
#include <string>

#include "util/status.h"

namespace hort {

// A whole number with an optional unit b/k/m/g/t in either case (powers of
// 1024), as restic's ui.ParseBytes; kInvalidArgument otherwise.
[[nodiscard]] Result<uint64_t> ParseSize(const std::string& text);

}  // namespace hort
