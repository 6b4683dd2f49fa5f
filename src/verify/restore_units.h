// The part restore tests and the DR drill share: snapshots restored into
// their own directories (several at once), then each validated against its
// snapshot (tree_check.h).
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "format/snapshot.h"
#include "repository/repository.h"

namespace hort {

struct RestoreUnit {
  // Input.
  std::string repository;  // its name (catalog) or "repository"
  Repository* repo = nullptr;
  Snapshot snapshot;
  std::string label;   // e.g. "paperless/files/paperless-data" or "productivity:/data/x"
  std::string target;  // the snapshot's paths appear below this directory
  int classification_rank = 3;  // DR order: 0 critical … 3 unknown

  // Output.
  bool restored = false, valid = false;
  double restore_seconds = 0, check_seconds = 0;
  uint64_t files = 0, bytes = 0;
  std::vector<std::string> problems;  // restore errors and validation findings
  uint64_t problem_count = 0;

  [[nodiscard]] std::string Describe() const;  // "<repo>:<short id> <host>:<paths>"
};

// Restores every unit, `parallel` at a time; returns the phase's wall time.
double RestoreUnits(std::vector<RestoreUnit>& units, int parallel, const std::atomic<bool>* cancel);
// Validates every restored unit; returns the phase's wall time.
double ValidateUnits(std::vector<RestoreUnit>& units, const std::atomic<bool>* cancel);

// The latest snapshot of every host/paths group in `repo`, each to be
// restored below `base`/<host>/<paths slug>.
[[nodiscard]] Result<std::vector<RestoreUnit>> LatestOfEveryGroup(Repository& repo, const std::string& repository,
                                                                  const std::string& base);

// "/data/paperless-data" → "data_paperless-data"; several paths joined by '+'.
[[nodiscard]] std::string PathsSlug(const std::vector<std::string>& paths);

}  // namespace hort
