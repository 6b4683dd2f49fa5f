// The daemon's heart: decides which catalog jobs are due and runs them —
// at most `max_jobs` at once, never two on one repository, a missed run once
// after downtime, failed runs retried with doubling backoff — and records
// every run in the state. Time comes from a Clock so tests can replay a day
// in milliseconds.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "catalog/catalog.h"
#include "jobs/jobs.h"
#include "state/state.h"
#include "util/clock.h"

namespace hort {

// Runs one job and returns what happened; the scheduler records it.
using JobExecutor = std::function<JobOutcome(const JobSpec&)>;
// The same, told the run's state record (its id: the daemon files the run's
// log lines and live progress under it).
using RunExecutor = std::function<JobOutcome(const JobSpec&, const RunRecord&)>;

// A run, and whether the state holds it.
struct RecordedRun {
  RunRecord run;
  // Not ok: the state database refused the run's start (then the job did not
  // run: `run` is failed, kUnavailable, saying why) or its end (the job ran:
  // `run` says how, but the state does not, and `hort status` will not).
  Status recorded;
};

// How often the end of a run is tried (each try waits out the state's busy
// timeout): the work is done, only its record is left to lose.
inline constexpr int kFinishRunTries = 4;

// Records a run of `job` (start, then end) around `execute`. Used by the
// scheduler, `hort run` and `hort guard`. A job whose start cannot be
// recorded does not run: unrecorded, no other process could see it running
// (one process per job), and status would call its backup late.
[[nodiscard]] RecordedRun RunAndRecord(StateStore& state, Clock& clock, const JobSpec& job, const std::string& trigger,
                                       int64_t scheduled_for, int attempt, const JobExecutor& execute);
[[nodiscard]] RecordedRun RunAndRecord(StateStore& state, Clock& clock, const JobSpec& job, const std::string& trigger,
                                       int64_t scheduled_for, int attempt, const RunExecutor& execute);

class Scheduler {
 public:
  Scheduler(const Catalog& catalog, StateStore& state, Clock& clock, JobExecutor executor);
  Scheduler(const Catalog& catalog, StateStore& state, Clock& clock, RunExecutor executor);
  ~Scheduler();  // waits for running jobs

  // Marks runs of killed processes failed, queues them and every job whose
  // schedule passed while nothing ran it.
  [[nodiscard]] Status Startup();
  // Starts every job that is due now and allowed to run; returns at once.
  void Tick();
  // Queues `job` to run at the next Tick with trigger "manual" (the
  // dashboard's "run now"); still one job per repository and max_jobs at
  // once. kNotFound: no such job; kAlreadyExists: it is running now;
  // kCancelled: stopping.
  [[nodiscard]] Status RunNow(const std::string& job);
  // Blocks until no job runs (tests; shutdown).
  void WaitIdle();
  // No new jobs from now on; running ones finish.
  void Stop();
  [[nodiscard]] size_t Running();
  [[nodiscard]] size_t Pending();
  // When the next job is due (for the daemon's sleep), INT64_MAX if never.
  [[nodiscard]] int64_t NextDue();
  // Wakes whoever waits in WaitForChange (a job ended).
  void WaitForChange(double seconds);
  // Where a run the state could not record is reported (serve's log); set
  // before Startup.
  void SetLog(std::function<void(const std::string&)> log) { log_ = std::move(log); }

 private:
  struct JobState {
    int64_t next_due = 0;
    bool pending = false;
    std::string trigger;
    int64_t scheduled_for = 0;
    int attempt = 1;
    int64_t retry_at = 0;  // 0: no retry planned
    bool running = false;
  };

  [[nodiscard]] std::vector<std::string> RepositoriesOf(const JobSpec& job) const;
  void Start(const JobSpec& job, JobState& js);  // mu_ held
  void ReapFinishedThreads();

  const Catalog& catalog_;
  StateStore& state_;
  Clock& clock_;
  RunExecutor executor_;
  std::function<void(const std::string&)> log_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::map<std::string, JobState> jobs_;
  std::set<std::string> busy_repos_;
  size_t running_ = 0;
  bool stopped_ = false;
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::mutex workers_mu_;
  std::vector<Worker> workers_;
};

}  // namespace hort
