// How old a cache folder is, one rule for `hort cache` (restic's 30 days,
// or --max-age) and for check's abandoned temporary caches (a week).
#pragma once

#include <sys/stat.h>

#include <ctime>
#include <string>

namespace hort::cli {

// True when `mtime` lies more than `max_age_days` days in the past.
inline bool IsOld(std::time_t mtime, unsigned max_age_days) {
  return std::time(nullptr) - mtime > static_cast<std::time_t>(max_age_days) * 86400;
}

// The same for a path; false when it cannot be stat()ed.
inline bool IsOldPath(const std::string& path, unsigned max_age_days) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && IsOld(st.st_mtime, max_age_days);
}

}  // namespace hort::cli
