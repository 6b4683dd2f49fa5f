// Snapshot files (`snapshots/<id>`), as restic writes them (json.Marshal,
// no trailing newline). Fields newer restic versions add are optional.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "format/gojson.h"
#include "format/id.h"
#include "util/status.h"

namespace hort {

struct SnapshotSummary {
  gojson::Timestamp backup_start, backup_end;
  uint64_t files_new = 0, files_changed = 0, files_unmodified = 0;
  uint64_t dirs_new = 0, dirs_changed = 0, dirs_unmodified = 0;
  uint64_t data_blobs = 0, tree_blobs = 0;
  uint64_t data_added = 0, data_added_packed = 0;
  uint64_t total_files_processed = 0, total_bytes_processed = 0;
};

struct Snapshot {
  gojson::Timestamp time;
  std::optional<Id> parent;
  Id tree;
  std::vector<std::string> paths;
  std::string hostname, username;
  uint32_t uid = 0, gid = 0;
  std::vector<std::string> excludes, tags;
  std::optional<Id> original;
  std::string program_version;
  std::optional<SnapshotSummary> summary;

  Id id;  // not stored in the file: the SHA-256 of the stored file

  [[nodiscard]] bool HasTag(std::string_view tag) const;
};

// One tag list as restic reads a --tag or --keep-tag value: split at every
// comma, each piece trimmed ("" gives one empty tag, "a," gives "a" and "").
[[nodiscard]] std::vector<std::string> ParseTagList(std::string_view value);
// Whether a snapshot carrying `carried` satisfies `list`, restic's HasTags:
// every tag of the list in turn, except that an empty tag met before a
// missing one matches a snapshot without tags. So `--tag ''` selects only
// untagged snapshots, never all of them.
[[nodiscard]] bool SatisfiesTagList(std::span<const std::string> carried, std::span<const std::string> list);

// Whether `s` is in the series of `host` and `sorted_paths`: the same host and
// the same paths in any order. restic's rule for a backup's parent, and
// hort's for a job's retention and a restore test's snapshot.
[[nodiscard]] bool InSeries(const Snapshot& s, std::string_view host, const std::vector<std::string>& sorted_paths);

[[nodiscard]] std::string EncodeSnapshot(const Snapshot& s);
[[nodiscard]] Result<Snapshot> DecodeSnapshot(std::string_view json);

}  // namespace hort
