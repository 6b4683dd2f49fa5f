// What `hort status`, /metrics and the status page say about each job: the
// catalog's targets (RPO, schedule) held against the state's run history.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "state/state.h"

namespace hort {

enum class Health { kOk, kLate, kFailed, kNever };
[[nodiscard]] const char* HealthName(Health h);  // OK, LATE, FAILED, NEVER

inline constexpr int kStatusRunWindow = 1000;

struct JobStatus {
  const JobSpec* job = nullptr;
  std::string service, layer, entry, classification;
  int64_t rpo_seconds = 0;              // backups: the service's; copies: offsite rpo; checks: 0
  int64_t expected_interval_seconds = 0;
  std::optional<RunRecord> last_run;       // newest finished run
  std::optional<RunRecord> last_success;
  bool running = false;
  int64_t running_id = 0;       // the running run's state row and start (when running)
  double running_started = 0;
  int64_t next_run = 0;                   // the next slot after the last run (past = overdue)
  Health health = Health::kNever;
  double age_seconds = -1;                // of the last success, -1 if none
  uint64_t runs_success = 0, runs_failed = 0;  // among the newest kStatusRunWindow runs

  // The error of the newest finished run when it failed, else "".
  [[nodiscard]] std::string LastError() const {
    return last_run && last_run->result != RunResult::kSuccess ? last_run->error : "";  // failed or partial
  }
};

struct StatusReport {
  std::vector<JobStatus> jobs;
  // True when a critical service's job is LATE, FAILED or NEVER.
  bool critical_problem = false;
};

[[nodiscard]] Result<StatusReport> BuildStatus(const Catalog& catalog, StateStore& state, double now);

// The highest classification of the services writing to `repository` (files
// and resources entries), directly or through offsite copies into it.
[[nodiscard]] Classification RepositoryClassification(const Catalog& catalog, const std::string& repository);
// The highest classification of the services with resources entries (what
// a Velero location's backups protect); important when there are none.
[[nodiscard]] Classification ResourcesClassification(const Catalog& catalog);

}  // namespace hort
