// Snapshot selection shared by snapshots/ls/restore: --host, --tag, --path.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "format/snapshot.h"

namespace hort::cli {

struct SnapshotFilter {
  std::vector<std::string> hosts, tags, paths;
  // A snapshot matches when its host is one of hosts, it carries every tag of
  // one --tag group ("a,b" = both), and it has all given paths.
  [[nodiscard]] bool Matches(const Snapshot& s) const;
  // What `latest` means: the last matching snapshot of `all` (LoadSnapshots'
  // order, oldest first); null when none matches.
  [[nodiscard]] const Snapshot* Latest(const std::vector<Snapshot>& all) const;
};

[[nodiscard]] std::string SnapshotJson(const Snapshot& s);

// Declares --host/-H, --tag and --path, restic's snapshot selection flags.
// `short_host` adds -H (forget uses -H for --keep-hourly, as restic does).
void AddFilterFlags(CLI::App& sub, SnapshotFilter* filter, bool short_host = true);

// ["a","b"] with Go's JSON escaping.
[[nodiscard]] std::string JsonStringArray(const std::vector<std::string>& v);

// True when `ids` is empty or one of them is a prefix of the snapshot's ID.
[[nodiscard]] bool MatchesIdPrefix(const std::vector<std::string>& ids, const Snapshot& s);

// Splits "a,b" tag lists given as repeated flags into single tags.
[[nodiscard]] std::vector<std::string> SplitCommaList(const std::vector<std::string>& in);

}  // namespace hort::cli
