// restic's backup exclude rules: patterns (format/pattern.h), case-insensitive
// patterns, marker files (--exclude-if-present, --exclude-caches) and sizes.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "format/pattern.h"
#include "util/byte_size.h"
#include "util/status.h"

namespace hort {

// What the marker rules decide for the entries of one directory. restic
// excludes every entry of a directory holding a marker except the marker
// itself, so the directory stays in the snapshot with just its marker (and
// with two different markers present, nothing at all).
struct MarkerVerdict {
  std::vector<std::string> present;   // names of the markers whose rule fires here
  std::vector<std::string> warnings;  // a marker with the wrong signature, as restic warns

  [[nodiscard]] bool Excludes(const std::string& name) const {
    for (const auto& m : present) {
      if (name != m) return true;
    }
    return false;
  }
};

struct ExcludeRules {
  std::vector<std::string> patterns;   // --exclude / --exclude-file
  std::vector<std::string> ipatterns;  // --iexclude / --iexclude-file (lower-cased)
  bool exclude_caches = false;         // --exclude-caches
  std::vector<std::string> if_present; // --exclude-if-present NAME[:HEADER]
  std::optional<uint64_t> larger_than; // --exclude-larger-than: files above this size
  bool one_file_system = false;

  // Whether the item at absolute `path` is excluded by name.
  [[nodiscard]] bool ExcludedByPattern(const std::string& path) const;
  [[nodiscard]] bool HasMarkers() const { return exclude_caches || !if_present.empty(); }
  // The marker rules for the entries of directory `dir`.
  [[nodiscard]] MarkerVerdict MarkersIn(const std::string& dir) const;
  // Whether a file (never a directory) is left out for its size.
  [[nodiscard]] bool ExcludedBySize(const struct stat& st) const {
    return larger_than && !S_ISDIR(st.st_mode) && st.st_size > 0 &&
           static_cast<uint64_t>(st.st_size) > *larger_than;
  }
  // Rejects what restic rejects: a pattern that is no valid glob, an
  // --exclude-if-present spec without a name.
  [[nodiscard]] Status Validate() const;
};

// Reads patterns from a file as restic does: one per line, trimmed, '#'
// comments and blank lines ignored, environment variables expanded.
[[nodiscard]] Status ReadPatternFile(const std::string& path, std::vector<std::string>* out);

// restic's expansion of exclude-file lines (Go's os.Expand with
// getenvOrDollar): `$NAME`, `${NAME}` and `$1`-style names replaced by the
// variable's value ("" when unset), `$$` a '$'; bad syntax ("${}", an
// unclosed "${") is dropped; a '$' followed by no name stays.
[[nodiscard]] std::string ExpandEnvAsRestic(std::string_view s);


}  // namespace hort
