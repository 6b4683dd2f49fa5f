// The paths a backup is asked for, read the way restic's collectTargets reads
// them: --files-from (trimmed lines, '#' comments, glob patterns expanded),
// --files-from-verbatim (every non-empty line as it is) and --files-from-raw
// (NUL-terminated names), each file "-" meaning standard input.
#pragma once

#include <string>
#include <vector>

#include "format/gojson.h"
#include "util/status.h"

namespace hort {

struct TargetSources {
  std::vector<std::string> files_from, files_from_verbatim, files_from_raw;
  std::vector<std::string> args;  // the command line's paths, last as in restic
};

// Appends the targets to *out; a glob that matches nothing is a warning in
// *warnings (restic: `pattern "x" does not match any files, skipping`).
[[nodiscard]] Status CollectTargets(const TargetSources& src, std::vector<std::string>* out,
                                    std::vector<std::string>* warnings);

// The lines of a --files-from-raw list: each name ends in a NUL byte; a
// missing final NUL or an empty name is an error, as in restic.
[[nodiscard]] Result<std::vector<std::string>> SplitRawNames(const std::string& data);

// restic's --time: "YYYY-MM-DD HH:MM:SS" in the local time zone.
[[nodiscard]] Result<gojson::Timestamp> ParseBackupTime(const std::string& text);

}  // namespace hort
