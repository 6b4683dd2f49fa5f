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

// Writes index files pack by pack, each closed once it holds
// kIndexFileMaxBlobs blobs (restic's split). By count only: restic's
// rewrite also closes a file 10 minutes after starting it, which a rewrite
// seldom lasts.
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
  // A pack whose header cannot be read; `kept`: the old index's entries for
  // it were kept, else it is left out of the index.
  std::function<void(const Id& pack, const Status& why, bool kept)> unreadable;
};

// Packs left out of the new index after their intact blobs were stored again.
struct SalvagedPacks {
  size_t packs = 0, blobs_stored_again = 0, blobs_lost = 0;
};

struct IndexRebuildStats {
  size_t index_files_written = 0, old_index_files = 0, packs_unreadable = 0, packs_kept_from_old_index = 0;
  // Packs no index file knew whose bytes do not hash to their names (only
  // where Backend::PacksMayBeCutShort).
  SalvagedPacks not_matching;
  // Packs the old index knew whose header cannot be read and whose size is
  // not what their old entries make (cut short, or overwritten).
  SalvagedPacks wrong_size;
};

// Indexes every pack by reading its header and replaces the index with the
// result. A pack whose header cannot be read keeps the entries the old index
// files had for it (issue #25: its blobs may be intact) unless its size is
// not what those entries make: then, as restic's rebuild-index, which reads
// such a pack again and leaves it out when its header fails, the entries are
// dropped, after each blob they name that still decrypts and hashes to its
// ID is stored again (restic's `repair packs`). Where packs may be cut short
// under their names (a local folder), one no readable old index file
// describes is read whole first; if its bytes do not hash to its name, its
// intact blobs are stored again and the pack is left out.
// `check` names what was lost afterwards, `repair snapshots` drops it, and
// `prune` removes the packs left out. A read error that is not damage (the
// network) fails the rebuild before the old index is touched.
[[nodiscard]] Result<IndexRebuildStats> RebuildIndex(Repository& repo, const IndexRebuildProgress& progress);

}  // namespace hort
