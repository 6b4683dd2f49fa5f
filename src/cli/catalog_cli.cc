#include "cli/catalog_cli.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "scheduler/scheduler.h"
#include "util/timer.h"

namespace hort::cli {

Result<std::unique_ptr<Catalog>> LoadCatalogForCli(const std::string& flag, std::vector<std::string>* errors) {
  std::string path = DefaultCatalogPath(flag);
  CatalogErrors found;
  auto c = LoadCatalog(path, &found);
  if (!c.ok()) {
    // A file that could not be read has no error lines: its Status is the one error.
    if (errors) *errors = found.lines.empty() ? std::vector<std::string>{c.status().message()} : found.lines;
    return CatalogLoadFailure(path, c.status(), found);
  }
  if (!(*c)->timezone.empty()) {
    ::setenv("TZ", (*c)->timezone.c_str(), 1);
    ::tzset();
  }
  return c;
}

Status CatalogLoadFailure(const std::string& path, const Status& status, const CatalogErrors& errors) {
  if (errors.lines.size() <= 1) return Status(status.code(), errors.lines.empty() ? status.message() : errors.lines[0]);
  // Every error on a line of its own, in the file's order; the caller's
  // Fail() then ends with one line that counts them (it flattens newlines).
  for (const std::string& line : errors.lines) std::fprintf(stderr, "%s\n", line.c_str());
  return Status(status.code(), path + ": " + std::to_string(errors.lines.size()) + " errors (above)");
}

Result<std::unique_ptr<StateStore>> OpenCatalogState(const Catalog& catalog) {
  HORT_ASSIGN_OR_RETURN(auto state, StateStore::Open(catalog.state_path));
  // A run or test whose process was killed shows as interrupted in the next
  // status, protocol or report, not only after serve's or run's next start.
  (void)state->RecoverInterrupted(NowSeconds());
  return state;
}

double NowSeconds() {
  return UnixNow();
}

namespace {
std::atomic<bool> g_stop{false};
std::atomic<int> g_stop_signals{0};
int g_exit_wake[2] = {-1, -1};
// The first signal asks the command (serve, agent, volumes, dr, test run) to
// finish or stop; the second exits (130) after a thread removed the
// repository locks it holds, as the other commands do; a third at once.
void OnStopSignal(int) {
  const int before = g_stop_signals.fetch_add(1);
  if (before == 0) {
    g_stop.store(true);
    return;
  }
  const char wake = 1;
  if (before == 1 && g_exit_wake[1] >= 0 && ::write(g_exit_wake[1], &wake, 1) == 1) return;
  ::_exit(130);
}
}  // namespace

const std::atomic<bool>& InstallStopFlag() {
  if (g_exit_wake[0] < 0) (void)StartExitCleaner(g_exit_wake);
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  return g_stop;
}

// Jobs named by a job ID or a service name (all of its jobs).
std::vector<const JobSpec*> SelectJobs(const Catalog& c, const std::string& name) {
  std::vector<const JobSpec*> out;
  if (const JobSpec* j = c.FindJob(name)) return {j};
  for (const JobSpec& j : c.jobs) {
    if (j.service && j.service->name == name) out.push_back(&j);
  }
  return out;
}

// Runs and records each job, printing one line per job; returns how many failed.
int RunRecorded(const Catalog& c, StateStore& state, const std::vector<const JobSpec*>& jobs,
                const std::string& trigger, const JobContext& ctx, bool quiet) {
  SystemClock clock;
  int failed = 0;
  for (const JobSpec* job : jobs) {
    // The run's lines go into the state under its id, as serve's do: the
    // dashboard's run page showed none for a run `hort run` made.
    auto [r, recorded] = RunAndRecord(state, clock, *job, trigger, 0, 1, RunExecutor([&](const JobSpec& j, const RunRecord& run) {
      JobContext run_ctx = ctx;
      run_ctx.log = [&state, print = ctx.log, id = run.id](const std::string& line) {
        if (print) print(line);
        if (id) (void)state.AppendRunLog(id, NowSeconds(), line);  // a full disk must not stop the job
      };
      return RunJob(c, j, run_ctx);
    }));
    if (!recorded.ok() && r.id != 0) {
      // It ran, but the state lost it: never "ok", status would show it late.
      ++failed;
      std::fprintf(stderr, "%-40s %-7s %6.1fs  %s\n", job->id.c_str(), "UNRECORDED", r.ended - r.started,
                   recorded.message().c_str());
    } else if (r.result == RunResult::kSuccess) {
      if (!quiet) {
        // A restic snapshot by its short ID; a volume backup or an in-cluster snapshot by its name.
        const bool restic = r.snapshot_id.size() == 64;
        std::printf("%-40s ok      %6.1fs  %s\n", job->id.c_str(), r.ended - r.started,
                    restic ? ("snapshot " + r.snapshot_id.substr(0, 8)).c_str() : r.snapshot_id.c_str());
      }
    } else {
      ++failed;
      std::fprintf(stderr, "%-40s %-7s %6.1fs  %s\n", job->id.c_str(),
                   r.result == RunResult::kPartial ? "PARTIAL" : "FAILED", r.ended - r.started, r.error.c_str());
    }
  }
  return failed;
}

}  // namespace hort::cli
