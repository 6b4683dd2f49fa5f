// Replacing a repository's index with a new one: `repair index` reads every
// pack header and indexes what it finds; prune indexes the packs it keeps.
// Both write the complete new index first and only then remove the old
// index files, so an interruption never leaves a pack unindexed.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "format/id.h"
#include "format/repo_files.h"
#include "repository/repository.h"

namespace hort {

// Writes index files of at most restic's 50,000 blobs each, pack by pack.
class IndexFileWriter {
 public:
  explicit IndexFileWriter(Repository& repo) : repo_(repo) {}
  [[nodiscard]] Status Add(IndexPack pack);
  // Writes what is left; afterwards written() is the whole new index.
  [[nodiscard]] Status Finish();
  [[nodiscard]] const std::vector<Id>& written() const { return written_; }

 private:
  [[nodiscard]] Status Flush();
  Repository& repo_;
  IndexFile file_;
  size_t blobs_ = 0;
  std::vector<Id> written_;
};

// Removes the index files in `old` that are not in `keep`; returns how many.
[[nodiscard]] Result<size_t> RemoveIndexFilesExcept(Repository& repo, const std::vector<Id>& old,
                                                    const std::vector<Id>& keep);

struct IndexRebuildProgress {
  std::function<void(size_t packs)> reading;                           // before the headers are read
  std::function<void(const Id& pack, const Status& why)> unreadable;  // a pack left out of the index
};

struct IndexRebuildStats {
  size_t index_files_written = 0, old_index_files = 0, packs_unreadable = 0;
};

// Indexes every pack by reading its header and replaces the index with the
// result. An unreadable pack is left out (`check` names it afterwards).
[[nodiscard]] Result<IndexRebuildStats> RebuildIndex(Repository& repo, const IndexRebuildProgress& progress);

}  // namespace hort
