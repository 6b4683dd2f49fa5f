// Validating Velero backups without restoring them: the ladder of
// kubernetes-api-and-velero.md §5, each level trusting the ones below.
//   L0 the location: only Velero's top-level folders (its BSL validation);
//   L1 velero-backup.json: a velero.io/v1 Backup named as its folder, phase
//      Completed (PartiallyFailed, Failed and non-terminal phases reported),
//      not expired, younger than an optional RPO, sane counts;
//   L2 artefacts: tarball, resource list and results present, every .gz
//      inflates, every JSON parses (the "gzip: invalid header" class);
//   L3 the tarball's structure (resources/velero_tarball.h findings);
//   L4 cross-checks: resource list ⇔ tarball items, progress ⇔ item count,
//      status errors/warnings ⇔ results;
//   L5 restorability: a dry-run replay, run elsewhere through a hook.
// The ladder stops at the first level with problems: a damaged tarball says
// nothing about its items, and an unfinished backup is not worth reading.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "objstore/object_store.h"
#include "resources/model.h"
#include "resources/velero_tarball.h"

namespace hort::resources {

struct VerifyProblem {
  int level = 0;
  std::string message;
};

struct BackupCheck {
  std::string name;
  int level_reached = -1;               // the highest level passed; -1: not even L0
  std::vector<VerifyProblem> problems;  // all of the first failing level, in order
  std::vector<std::string> notes;       // worth a look, fail no level (no log uploaded …)
  std::string phase;
  int64_t completed_unix = 0;           // phase Completed: status.completionTimestamp; else 0
  // Failed L1 only because Velero is still at it: a non-terminal phase of a
  // backup not yet expired (artefacts are uploaded before the phase ends,
  // data movers take hours), or expired less than kExpiryGrace ago (Velero's
  // GC removes it within the hour). A location walk does not count it.
  bool transient = false;
  size_t items = 0;
  size_t log_errors = 0, log_warnings = 0;  // logrus lines with level=error / level=warning
};

// L5: dry-run replay of the backup's items; returns its problems.
using ReplayHook = std::function<std::vector<std::string>(const ResourceBackup&)>;

inline constexpr int64_t kExpiryGrace = 2 * 3600;

struct VerifyOptions {
  int64_t now_unix = 0;     // 0: the system clock (tests pass a fixed time)
  int64_t rpo_seconds = 0;  // > 0: a backup completed longer ago fails L1
  TarballLimits limits;
  uint64_t inflate_limit = uint64_t{4} << 30;  // per .gz artefact
  ReplayHook replay;        // unset: the ladder ends at L4
  int max_level = 5;        // the ladder stops after passing this level (a cheap L1-only walk: 1)
  // The location as one listing (key → size) and its L0, both found once by
  // the caller for all its backups (verify_location.h); null: each backup
  // lists the location itself.
  const std::map<std::string, uint64_t>* listing = nullptr;
  const std::vector<VerifyProblem>* layout = nullptr;
};

// L0 alone: the location's top-level folders (objects at the top are
// ignored, as Velero ignores them).
[[nodiscard]] std::vector<VerifyProblem> VerifyBucketLayout(ObjectStore& store);
// The same over a listing already made (key → size).
[[nodiscard]] std::vector<VerifyProblem> LayoutProblems(const std::map<std::string, uint64_t>& listing);

// L0 to L4 (L5 with options.replay) for backups/<name>/.
[[nodiscard]] BackupCheck VerifyBucketBackup(ObjectStore& store, const std::string& name,
                                             const VerifyOptions& options = {});

// L1, L3 and L4 for a backup hort read back from its own repository (no
// bucket: L0 and L2 pass by construction); the tarball is written and read
// back so L3 sees exactly what Velero would.
[[nodiscard]] BackupCheck VerifyResourceBackup(const ResourceBackup& backup, const VerifyOptions& options = {});

}  // namespace hort::resources
