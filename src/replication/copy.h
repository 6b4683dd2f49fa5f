// copy: replicate snapshots into another repository (hort's offsite copy).
// Blobs the destination has are skipped; when the chunker polynomials differ
// the files are re-chunked so the destination deduplicates on its own terms.
// Copied snapshots keep their identity (`original`), so copying again is a no-op.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "repository/repository.h"
#include "util/progress.h"

namespace hort {

struct CopyOptions {
  // Which source snapshots to copy (empty = all); the CLI passes its filter.
  std::function<bool(const Snapshot&)> select;
  ProgressCounters* progress = nullptr;
};

struct CopyStats {
  uint64_t snapshots_copied = 0, snapshots_skipped = 0;
  uint64_t blobs_copied = 0, bytes_copied = 0;
  bool rechunked = false;
};

[[nodiscard]] Result<CopyStats> CopySnapshots(Repository& src, Repository& dst, const CopyOptions& options,
                                              const std::function<void(const std::string&)>& progress);

}  // namespace hort
