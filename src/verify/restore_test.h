// `hort test run ID`: the strategy's procedure prepare → restore → validate
// → clean up → record, performed for one test of the catalog's test plan.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "jobs/jobs.h"
#include "state/state.h"
#include "util/timer.h"
#include "verify/restore_units.h"

namespace hort {

struct RestoreTestOptions {
  std::vector<std::string> snapshots;  // --snapshot: used instead of the latest of their series
  bool keep = false;                   // leave the scratch target for inspection
  std::string trigger = "manual";      // manual, auto
  const std::atomic<bool>* cancel = nullptr;  // SIGTERM: stop, clean up, record
  RequestCounters* counters = nullptr;
  std::function<void(const std::string&)> log;
};

struct SmokeResult {
  std::string run;
  int exit_code = -1;
  bool timed_out = false, ok = false;
  double seconds = 0;
  std::string output;  // tail
};

struct RestoreTestReport {
  TestRecord record;  // as written to the state
  std::string scratch;
  std::vector<RestoreUnit> units;
  std::vector<SmokeResult> commands;
  std::string silence_id;  // empty: none created
  StageTimes stage_times;
  double validate_seconds = 0;  // the validate stage's wall time (stage_times "validate"); 0 when it did not run
};

// Performs the test and records its row (also when it fails). The Status is
// not OK only when nothing could be performed: an unavailable layer
// (kUnsupported, nothing recorded) or an unusable state database.
[[nodiscard]] Result<RestoreTestReport> RunRestoreTest(const Catalog& catalog, const RestoreTestSpec& spec,
                                                       StateStore& state, const RestoreTestOptions& options);

// <work_dir>/<id>-restore-test
[[nodiscard]] std::string ScratchTarget(const Catalog& catalog, const RestoreTestSpec& spec);

}  // namespace hort
