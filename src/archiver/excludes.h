// restic's backup exclude rules: patterns (format/pattern.h), case-insensitive
// patterns, CACHEDIR.TAG directories and marker files.
#pragma once

#include <string>
#include <vector>

#include "format/pattern.h"
#include "util/status.h"

namespace hort {

struct ExcludeRules {
  std::vector<std::string> patterns;   // --exclude / --exclude-file
  std::vector<std::string> ipatterns;  // --iexclude (lower-cased)
  bool exclude_caches = false;         // --exclude-caches
  std::vector<std::string> if_present; // --exclude-if-present NAME
  bool one_file_system = false;

  // Whether the item at absolute `path` is excluded by name.
  [[nodiscard]] bool ExcludedByPattern(const std::string& path) const;
  // Whether directory `dir` must be skipped because of a marker file in it.
  [[nodiscard]] bool ExcludedByMarker(const std::string& dir) const;
};

// Reads patterns from a file: one per line, '#' comments, blank lines ignored.
[[nodiscard]] Status ReadPatternFile(const std::string& path, std::vector<std::string>* out);

}  // namespace hort
