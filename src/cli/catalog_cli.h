// What the catalog commands (config, serve, run, status, guard, metrics)
// share: loading hort.yaml with every error printed, the time zone applied,
// the state opened, and times printed the same way.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "jobs/jobs.h"
#include "state/state.h"
#include "util/local_time.h"

namespace hort::cli {

// Exit code of `hort status` when a critical service is late, failed or never backed up.
inline constexpr int kExitNotCompliant = 4;
// Exit code of `hort test run` and `hort dr` when the test ran and failed.
inline constexpr int kExitTestFailed = 5;

// Loads the catalog named by --config / HORT_CONFIG / ./hort.yaml. On error
// prints every problem (file:line:col: key: message) to stderr and, when
// `errors` is given, also puts them there, one string each in the file's order
// (`config check --json` prints them on stdout).
[[nodiscard]] Result<std::unique_ptr<Catalog>> LoadCatalogForCli(const std::string& flag,
                                                                 std::vector<std::string>* errors = nullptr);
// A catalog that did not load: one error is the Status; several are printed
// to stderr one per line, and the Status counts them.
[[nodiscard]] Status CatalogLoadFailure(const std::string& path, const Status& status, const CatalogErrors& errors);
[[nodiscard]] Result<std::unique_ptr<StateStore>> OpenCatalogState(const Catalog& catalog);

[[nodiscard]] double NowSeconds();

// SIGTERM/SIGINT raise the returned flag (the caller finishes or cleans up);
// a second signal exits at once with 130.
[[nodiscard]] const std::atomic<bool>& InstallStopFlag();

// Jobs named by a job ID, or every job of a service.
[[nodiscard]] std::vector<const JobSpec*> SelectJobs(const Catalog& c, const std::string& name);
// Runs and records each job (trigger: manual, guard …), one line per job;
// returns how many failed.
int RunRecorded(const Catalog& c, StateStore& state, const std::vector<const JobSpec*>& jobs,
                const std::string& trigger, const JobContext& ctx, bool quiet);

}  // namespace hort::cli
