// A resource backup as a restic snapshot: one file /resources/<entry>.tar
// holding Velero's tarball layout (plain tar: the repository compresses,
// encrypts and deduplicates it) and, at hort/backup.json, the metadata Velero
// keeps beside the tarball. Host = the entry's namespace, tag "resources".
//
// What changes every day (timestamps, a clean log) is not in the file: the
// snapshot's own time stands for it. So an unchanged cluster backs up to the
// same bytes; the file is backed up as the archiver's stdin (from memory,
// never a temporary file) with fixed node metadata, so the same bytes give
// the same trees, and 30 days of it cost one backup plus 30 snapshot records.
#pragma once

#include <string>
#include <vector>

#include "format/snapshot.h"
#include "repository/repository.h"
#include "resources/model.h"
#include "util/status.h"

namespace hort::resources {

inline constexpr const char* kResourcesTag = "resources";

[[nodiscard]] std::string SnapshotPathFor(const std::string& entry);  // "/resources/<entry>.tar"

struct SavedSnapshot {
  std::string id;
  uint64_t bytes_added = 0;
  size_t items = 0;
};

[[nodiscard]] Result<SavedSnapshot> SaveResourceSnapshot(Repository& repo, const ResourceBackup& backup,
                                                         const std::string& entry, const std::string& host,
                                                         std::vector<std::string> tags);

// The backup in a snapshot written by SaveResourceSnapshot (its only
// /resources/*.tar file); timestamps are the snapshot's.
[[nodiscard]] Result<ResourceBackup> LoadResourceSnapshot(Repository& repo, const Snapshot& snapshot);

}  // namespace hort::resources
