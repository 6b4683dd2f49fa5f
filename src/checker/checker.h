// Repository checks: structure (index ↔ packs, snapshots → trees → blobs)
// and, optionally, every byte of pack data. Problems come back as typed
// findings naming the pack, blob, snapshot and path they affect.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "repository/repository.h"
#include "util/progress.h"

namespace hort {

struct Finding {
  enum class Kind {
    kIndexUnreadable,
    kPackMissing,
    kPackUnreferenced,  // not an error: leftover of an interrupted backup
    kPackHeaderMismatch,  // also an index entry the pack header does not list as it is
    kPackCorrupt,
    kBlobCorrupt,
    kBlobMissing,
    kTreeUnreadable,  // also a tree deeper than kMaxTreeDepth (repository/walk.h)
    kTreeInvalid,     // names unsafe, unsorted or twice: restore refuses the tree
    kSnapshotUnreadable,
    kAffectedFile,  // a file whose content is damaged or missing
  };
  Kind kind;
  std::string message;
  std::string pack, blob, snapshot, path;
  [[nodiscard]] bool IsError() const { return kind != Kind::kPackUnreferenced; }
};

struct CheckOptions {
  bool read_data = false;
  // --read-data-subset: "n/m", "x%" or a size like "500M"; empty = all when read_data.
  std::string read_data_subset;
  int workers = 0;
  ProgressCounters* progress = nullptr;
};

struct CheckResult {
  std::vector<Finding> findings;
  uint64_t packs_read = 0, bytes_read = 0, snapshots = 0, trees = 0;
  [[nodiscard]] size_t ErrorCount() const;
};

// Asks ahead (Backend::ReadAhead) for the packs a full --read-data reads
// first: Repository::Open's warm-up on a local folder, and on an object
// store while the index loads. Nothing for other checks.
void ReadFirstPacksAhead(Backend& backend, const CheckOptions& options);
// The same among `packs`, the store's packs already listed.
void ReadFirstPacksAhead(Backend& backend, const CheckOptions& options, std::vector<Id> packs);

[[nodiscard]] Result<CheckResult> RunCheck(Repository& repo, const CheckOptions& options,
                                           const std::function<void(const std::string&)>& progress);

// Chooses which packs --read-data-subset selects (sorted pack IDs in, subset out).
[[nodiscard]] Result<std::vector<Id>> SelectSubset(const std::vector<std::pair<Id, uint64_t>>& packs,
                                                   const std::string& spec);

}  // namespace hort
