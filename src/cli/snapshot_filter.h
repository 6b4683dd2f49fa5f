// Snapshot selection shared by snapshots/ls/restore: --host, --tag, --path.
#pragma once

#include <string>
#include <vector>

#include "format/snapshot.h"

namespace hort::cli {

struct SnapshotFilter {
  std::vector<std::string> hosts, tags, paths;
  // A snapshot matches when its host is one of hosts, it carries every tag of
  // one --tag group ("a,b" = both), and it has all given paths.
  [[nodiscard]] bool Matches(const Snapshot& s) const;
};

[[nodiscard]] std::string SnapshotJson(const Snapshot& s);

}  // namespace hort::cli
