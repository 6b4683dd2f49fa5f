// Validation of a restored tree against its snapshot, independent of the
// restorer's own code path: every node present with its type, every file's
// size, permissions and mtime as recorded, and its content re-hashed against
// the snapshot's blob IDs.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "format/snapshot.h"
#include "repository/repository.h"

namespace hort {

struct TreeCheckResult {
  uint64_t files = 0, dirs = 0, others = 0, bytes = 0;
  uint64_t problems = 0;
  std::vector<std::string> findings;  // the first problems, one line each

  void AddProblem(const std::string& line);
};

// `dir` is where the snapshot was restored (its paths appear below it).
[[nodiscard]] Result<TreeCheckResult> CheckRestoredTree(Repository& repo, const Snapshot& snapshot,
                                                        const std::string& dir, const std::atomic<bool>* cancel);

}  // namespace hort
