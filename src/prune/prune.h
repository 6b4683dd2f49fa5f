// prune: delete what no snapshot needs, repack partly used packs. The new
// index is written before anything is deleted, so a prune killed at any
// instant leaves every snapshot restorable.
#pragma once

#include <functional>
#include <string>

#include "repository/repository.h"
#include "util/progress.h"

namespace hort {

struct PruneOptions {
  std::string max_unused = "5%";  // "x%", a size ("100M") or "unlimited"
  std::string max_repack_size;    // empty = no limit
  bool repack_uncompressed = false;
  bool repack_cacheable_only = false;  // restic's: packs of data only are kept, whatever they hold unused
  bool dry_run = false;
  ProgressCounters* progress = nullptr;  // repack and delete phases
};

struct PruneStats {
  uint64_t packs_total = 0, packs_keep = 0, packs_repack = 0, packs_remove = 0, packs_unreferenced = 0;
  uint64_t blobs_used = 0, blobs_unused = 0, blobs_repacked = 0;
  uint64_t bytes_used = 0, bytes_unused = 0, bytes_repack = 0, bytes_freed = 0;
  uint64_t index_files_written = 0, index_files_removed = 0;
  uint64_t staged_removed = 0, staged_bytes_removed = 0;  // temporary files of killed writers
};

// Prune removes the temporary files killed writers left (a killed backup's
// partial pack) once they are this old: its exclusive lock keeps hort's own
// writers out, the age also a writer that took no lock.
inline constexpr int64_t kStagedFileMinAgeSeconds = 3600;

// The refusals that depend on the repository (--repack-uncompressed without
// compression); RunPrune makes them, and forget --prune before it removes anything.
[[nodiscard]] Status CheckPruneFitsRepository(const Repository& repo, const PruneOptions& options);
[[nodiscard]] Result<PruneStats> RunPrune(Repository& repo, const PruneOptions& options,
                                          const std::function<void(const std::string&)>& progress);

// --max-unused as restic reads it: "unlimited", a percentage below 100 of
// the used data, or a size; bad values in restic's words.
struct MaxUnused {
  double percent = -1;  // >= 0: a share of the used data
  uint64_t bytes = 0;   // else this many bytes (UINT64_MAX: unlimited)
  [[nodiscard]] uint64_t For(uint64_t used) const;
};
[[nodiscard]] Result<MaxUnused> ParseMaxUnused(const std::string& text);

// --max-repack-size: a whole number with an optional b/k/m/g/t, as restic.
[[nodiscard]] Result<uint64_t> ParseRepackSize(const std::string& text);

}  // namespace hort
