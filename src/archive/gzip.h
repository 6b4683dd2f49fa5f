// Single gzip-compressed files (not archives): Velero keeps a backup's log,
// results and item lists as `<name>-logs.gz`, `<name>-results.gz`,
// `<name>-resource-list.json.gz`. libarchive's "raw" format with its gzip
// filter does this, so hort needs no second compression library.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace hort {

[[nodiscard]] Result<std::string> GzipCompress(std::string_view data);
// Inflates a whole gzip stream. kCorruption when `data` is not gzip (no
// 1f 8b magic: a plain file or an HTTP error page stored in its place) or is
// truncated or damaged; kInvalidArgument when it inflates to more than
// `limit` bytes (a gzip bomb must not exhaust memory). `name` is for errors.
[[nodiscard]] Result<std::string> Gunzip(std::string_view data, const std::string& name,
                                         uint64_t limit = uint64_t{1} << 30);

}  // namespace hort
