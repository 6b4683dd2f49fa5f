// The daemon's memory: every job run (start, end, result, snapshot, bytes,
// files, error) in SQLite, so status, metrics and reports survive restarts.
// It is never the source of truth for what a repository holds — the
// repository is.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "util/status.h"

namespace hort {

// kPartial: the run saved its snapshot, but some source items could not be
// read (restic's exit code 3). Neither a success nor worth retrying.
enum class RunResult { kRunning, kSuccess, kFailed, kPartial };
[[nodiscard]] const char* RunResultName(RunResult r);

struct RunRecord {
  int64_t id = 0;
  std::string job, kind, service, layer, repository;
  std::string trigger;        // schedule, startup, retry, manual, guard
  int64_t scheduled_for = 0;  // the schedule slot this run serves (0: none)
  double started = 0, ended = 0;
  RunResult result = RunResult::kRunning;
  std::string snapshot_id;
  uint64_t bytes_added = 0, files = 0;
  std::string error;
  // The failure's code (kPartial for a partial run); nullopt on success and
  // for runs recorded before codes were kept.
  std::optional<Code> error_code;
  int attempt = 1;
  int64_t pid = 0;
  // When that process started (clock ticks after boot; BeginRun reads it):
  // in a container hort is PID 1 after every restart, so a PID alone would
  // call a killed run's row live forever.
  int64_t pid_start = 0;
};

// One performed restore test: a row of the strategy's protocol.
struct TestRecord {
  int64_t id = 0;
  std::string test, type, trigger, responsible;  // trigger: manual, auto
  double started = 0, ended = 0;
  RunResult result = RunResult::kRunning;
  double restore_seconds = 0;     // measured: prepare + restore, the real RTO
  int64_t rto_target_seconds = 0; // the strictest RTO of the scope (0: none)
  uint64_t bytes = 0, files = 0;  // restored
  std::string snapshots;          // "<repo>:<short id> <host>:<paths>", one per line
  std::string findings;           // one per line; why it failed, or notes
  int64_t pid = 0, pid_start = 0;  // as RunRecord's

  [[nodiscard]] double Throughput() const { return restore_seconds > 0 ? bytes / restore_seconds : 0; }
};

struct RepoStats {
  std::string repository;
  int64_t updated = 0;
  uint64_t size_bytes = 0, snapshots = 0, locks = 0;
  double oldest_lock_age_seconds = 0;  // 0: no locks
};

// What the last verification of a Velero location found.
struct VeleroStats {
  std::string location;
  int64_t updated = 0;           // when it was verified
  uint64_t backups = 0, failed = 0;  // failed: below `level`
  int64_t newest_completed = 0;  // completion of the newest Completed backup (0: none)
  std::string newest_name;
  int level = 4;                 // the level every backup had to reach
};

// The last backup (and its verification) of one volume in one volume store.
struct VolumeStats {
  std::string store, volume;   // the key
  std::string job;             // <service>/volumes/<entry>
  int64_t updated = 0;
  std::string last_backup;     // backup-<16 hex>
  int64_t last_backup_time = 0;
  uint64_t size_bytes = 0;     // the volume's size
  uint64_t backups = 0;        // the volume's backups in the store, after retention
  uint64_t blocks_new = 0, blocks_reused = 0, bytes_uploaded = 0;  // of the last backup
  int verify_result = -1;      // -1: not verified, 0: damage found, 1: every block checked
  int64_t verified = 0;        // when verify_result was found
};

// What a job's status needs of its history (status/status_model.h).
struct JobHistory {
  std::optional<RunRecord> last_run;      // the newest finished run
  std::optional<RunRecord> last_success;  // the newest successful run, however old
  bool running = false;                   // the newest run has not finished
  int64_t running_id = 0;                 // that run's id and start, when running
  double running_started = 0;
  uint64_t runs_success = 0, runs_failed = 0;  // finished among the newest `window` runs (failed: or partial)
};

// One line a run logged (the daemon keeps the last kRunLogLines per run).
struct RunLogLine {
  int64_t seq = 0;
  double time = 0;
  std::string line;
};
inline constexpr int64_t kRunLogLines = 500;

// One action someone asked the dashboard for (run an entry, run a test).
struct ActionRecord {
  int64_t id = 0;
  double time = 0;
  std::string who;     // the authenticated user ("token" for a bearer token)
  std::string action;  // run, test
  std::string target;  // the job or restore test id
  std::string result;  // accepted, refused
  std::string detail;  // why refused, or what was started
};

// Who holds a job (or test) now: another live hort process, since when.
struct RunningHolder {
  int64_t pid = 0;
  double started = 0;
};

// kAlreadyExists: `what` runs now in hort `pid` (since `started`), as a
// refused BeginRun/BeginTest and the daemon's run actions say it.
[[nodiscard]] Status RunsNow(const std::string& what, int64_t pid, double started);

class StateStore {
 public:
  ~StateStore();
  // How long a statement waits while another process holds the database
  // (sqlite's busy timeout; `sqlite3` beside the daemon, a slow disk) before
  // it fails "database is locked".
  static constexpr int kBusyTimeoutMs = 15000;
  // Creates the file and schema when missing. Several processes (the daemon,
  // `hort run`, `hort status`) may share one file.
  [[nodiscard]] static Result<std::unique_ptr<StateStore>> Open(const std::string& path,
                                                                int busy_timeout_ms = kBusyTimeoutMs);

  // kAlreadyExists (nothing recorded) while a live process runs the same
  // job: `hort run`, serve's schedule and the dashboard would otherwise run
  // one job twice at once. Checked and recorded in one transaction.
  [[nodiscard]] Result<int64_t> BeginRun(const RunRecord& run);
  [[nodiscard]] Status FinishRun(const RunRecord& run);  // by run.id

  [[nodiscard]] Result<std::optional<RunRecord>> RunById(int64_t id);
  // Appends a line to a run's log, dropping the oldest beyond kRunLogLines.
  [[nodiscard]] Status AppendRunLog(int64_t run, double time, const std::string& line);
  // Oldest first.
  [[nodiscard]] Result<std::vector<RunLogLine>> RunLog(int64_t run);

  [[nodiscard]] Result<int64_t> RecordAction(const ActionRecord& action);
  // Newest first.
  [[nodiscard]] Result<std::vector<ActionRecord>> Actions(int limit);

  [[nodiscard]] Result<std::optional<RunRecord>> LastRun(const std::string& job);
  [[nodiscard]] Result<std::optional<RunRecord>> LastSuccess(const std::string& job);
  // Newest first; empty job = all jobs.
  [[nodiscard]] Result<std::vector<RunRecord>> Runs(const std::string& job, double since, int limit);

  // When the job was first seen (now, the first time this is asked).
  [[nodiscard]] Result<int64_t> FirstSeen(const std::string& job, int64_t now);
  // The same for each of `jobs`, in their order, in one read when all are known.
  [[nodiscard]] Result<std::vector<int64_t>> FirstSeen(const std::vector<std::string>& jobs, int64_t now);

  // The histories of `jobs`, in their order, read in one transaction with
  // one index walk per job (the dashboard asks for every job every 5 s).
  [[nodiscard]] Result<std::vector<JobHistory>> JobHistories(const std::vector<std::string>& jobs, int window);

  // Runs (and restore tests) still marked running whose process is gone (a
  // killed daemon or `hort run`) become failed with an "interrupted" error;
  // returns the runs.
  [[nodiscard]] Result<std::vector<RunRecord>> RecoverInterrupted(double now);

  // kAlreadyExists (nothing recorded) while a live process performs the same
  // test: the second would remove the first's scratch target midway.
  [[nodiscard]] Result<int64_t> BeginTest(const TestRecord& test);
  // Another live process running `job` (performing `test`) now, if any. This
  // process's own rows do not count: its scheduler and test runner keep one of
  // each at a time, and a row whose end could not be recorded (a full disk)
  // must not stop the job until a restart; BeginRun/BeginTest close such rows.
  [[nodiscard]] Result<std::optional<RunningHolder>> LiveRun(const std::string& job);
  [[nodiscard]] Result<std::optional<RunningHolder>> LiveTest(const std::string& test);
  [[nodiscard]] Status FinishTest(const TestRecord& test);  // by test.id
  // Newest first; empty test = all tests; finished ones only unless `running`.
  [[nodiscard]] Result<std::vector<TestRecord>> Tests(const std::string& test, double since, int limit);
  [[nodiscard]] Result<std::optional<TestRecord>> LastTest(const std::string& test);
  [[nodiscard]] Result<std::optional<TestRecord>> LastTestPass(const std::string& test);

  [[nodiscard]] Status PutRepoStats(const RepoStats& stats);
  [[nodiscard]] Result<std::map<std::string, RepoStats>> AllRepoStats();

  [[nodiscard]] Status PutVeleroStats(const VeleroStats& stats);
  [[nodiscard]] Result<std::map<std::string, VeleroStats>> AllVeleroStats();

  [[nodiscard]] Status PutVolumeStats(const VolumeStats& stats);
  [[nodiscard]] Result<std::vector<VolumeStats>> AllVolumeStats();  // by store, then volume

 private:
  explicit StateStore(sqlite3* db) : db_(db) {}
  [[nodiscard]] Status Exec(const std::string& sql);
  [[nodiscard]] Status AddMissingColumns();
  [[nodiscard]] Status AddColumnIfMissing(const std::string& table, const std::string& column, const std::string& type);
  [[nodiscard]] Status RecoverInterruptedTests(double now);
  // `only_running`: recovery's write, which must not overwrite the end a
  // process recorded after the rows were read.
  [[nodiscard]] Status RecordRunEnd(const RunRecord& run, bool only_running);
  [[nodiscard]] Status RecordTestEnd(const TestRecord& test, bool only_running);
  // Closes this process's own rows of `key` in `table` still marked running (called before a new one).
  [[nodiscard]] Status CloseOwnRunningRows(const char* table, const char* column, const std::string& key,
                                           const std::string& message_column, double now);
  [[nodiscard]] Result<std::optional<RunningHolder>> HeldElsewhere(const char* table, const char* column,
                                                                   const std::string& key);
  [[nodiscard]] Result<std::vector<TestRecord>> QueryTests(const std::string& where, const std::vector<std::string>& args,
                                                           const std::string& tail);
  [[nodiscard]] Result<std::vector<RunRecord>> Query(const std::string& where, const std::vector<std::string>& args,
                                                     const std::string& tail);

  sqlite3* db_;
  std::mutex mu_;
};

}  // namespace hort
