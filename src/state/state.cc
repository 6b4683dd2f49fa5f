#include "state/state.h"
#include "state/sql.h"

#include <signal.h>

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "util/local_time.h"

namespace hort {

int64_t ProcessStartTicks(int64_t pid) {
  if (pid <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Field 22 (starttime); the name in field 2 may hold spaces and ')', so count after its last ')'.
  const size_t name_end = stat.rfind(')');
  if (name_end == std::string::npos) return 0;
  std::istringstream fields(stat.substr(name_end + 1));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
    if (i == 22) return std::strtoll(field.c_str(), nullptr, 10);
  }
  return 0;
}

bool ProcessIsLive(int64_t pid, int64_t start) {
  if (pid <= 0) return false;
  if (start != 0) return ProcessStartTicks(pid) == start;
  if (pid == ::getpid()) return false;
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return false;
  // A recycled PID belongs to some other program: only a hort counts.
  std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  std::getline(comm, name);
  return name.find("hort") != std::string::npos;
}

int64_t ThisProcessStart() {
  static const int64_t own_start = ProcessStartTicks(::getpid());
  return own_start;
}

bool IsThisProcess(int64_t pid, int64_t start) { return pid == ::getpid() && start == ThisProcessStart(); }

Status RunsNow(const std::string& what, int64_t pid, double started) {
  return Status(Code::kAlreadyExists, what + " runs now in hort pid " + std::to_string(pid) + " (since " +
                                          FormatRfc3339(started) + "); not started a second time");
}

namespace {

constexpr const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS runs(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  job TEXT NOT NULL, kind TEXT NOT NULL, service TEXT, layer TEXT, repository TEXT,
  trigger TEXT NOT NULL, scheduled_for INTEGER NOT NULL DEFAULT 0,
  started REAL NOT NULL, ended REAL NOT NULL DEFAULT 0,
  result TEXT NOT NULL, snapshot_id TEXT, bytes_added INTEGER NOT NULL DEFAULT 0,
  files INTEGER NOT NULL DEFAULT 0, error TEXT, attempt INTEGER NOT NULL DEFAULT 1,
  pid INTEGER NOT NULL DEFAULT 0, error_code TEXT, pid_start INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS runs_newest_by_job ON runs(job, started, id, result);
DROP INDEX IF EXISTS runs_by_job;
CREATE TABLE IF NOT EXISTS jobs(job TEXT PRIMARY KEY, first_seen INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS restore_tests(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  test TEXT NOT NULL, type TEXT NOT NULL, trigger TEXT NOT NULL, responsible TEXT,
  started REAL NOT NULL, ended REAL NOT NULL DEFAULT 0, result TEXT NOT NULL,
  restore_seconds REAL NOT NULL DEFAULT 0, rto_target INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0, files INTEGER NOT NULL DEFAULT 0,
  snapshots TEXT, findings TEXT, pid INTEGER NOT NULL DEFAULT 0,
  pid_start INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS restore_tests_by_test ON restore_tests(test, started);
CREATE TABLE IF NOT EXISTS repo_stats(
  repository TEXT PRIMARY KEY, updated INTEGER NOT NULL, size_bytes INTEGER NOT NULL,
  snapshots INTEGER NOT NULL, locks INTEGER NOT NULL, oldest_lock_age REAL NOT NULL);
CREATE TABLE IF NOT EXISTS velero_stats(
  location TEXT PRIMARY KEY, updated INTEGER NOT NULL, backups INTEGER NOT NULL, failed INTEGER NOT NULL,
  newest_completed INTEGER NOT NULL, newest_name TEXT, level INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS volume_stats(
  store TEXT NOT NULL, volume TEXT NOT NULL, job TEXT NOT NULL, updated INTEGER NOT NULL,
  last_backup TEXT, last_backup_time INTEGER NOT NULL, size_bytes INTEGER NOT NULL, backups INTEGER NOT NULL,
  blocks_new INTEGER NOT NULL, blocks_reused INTEGER NOT NULL, bytes_uploaded INTEGER NOT NULL,
  verify_result INTEGER NOT NULL, verified INTEGER NOT NULL, PRIMARY KEY(store, volume));
CREATE TABLE IF NOT EXISTS run_log(run INTEGER NOT NULL, seq INTEGER NOT NULL, time REAL NOT NULL, line TEXT NOT NULL,
  PRIMARY KEY(run, seq));
CREATE TABLE IF NOT EXISTS actions(
  id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL,
  target TEXT NOT NULL, result TEXT NOT NULL, detail TEXT);
)";

}  // namespace

const char* const kRunColumns =
    "id, job, kind, service, layer, repository, trigger, scheduled_for, started, ended, result, snapshot_id, "
    "bytes_added, files, error, attempt, pid, error_code, pid_start";

RunRecord ReadRunRow(Stmt& s) {
  RunRecord r;
  r.id = s.Int(0);
  r.job = s.Text(1);
  r.kind = s.Text(2);
  r.service = s.Text(3);
  r.layer = s.Text(4);
  r.repository = s.Text(5);
  r.trigger = s.Text(6);
  r.scheduled_for = s.Int(7);
  r.started = s.Real(8);
  r.ended = s.Real(9);
  r.result = ParseRunResult(s.Text(10));
  r.snapshot_id = s.Text(11);
  r.bytes_added = static_cast<uint64_t>(s.Int(12));
  r.files = static_cast<uint64_t>(s.Int(13));
  r.error = s.Text(14);
  r.attempt = static_cast<int>(s.Int(15));
  r.pid = s.Int(16);
  r.error_code = CodeFromName(s.Text(17));
  r.pid_start = s.Int(18);
  return r;
}

const char* RunResultName(RunResult r) {
  switch (r) {
    case RunResult::kRunning: return "running";
    case RunResult::kSuccess: return "success";
    case RunResult::kFailed: return "failed";
    case RunResult::kPartial: return "partial";
  }
  return "failed";
}

StateStore::~StateStore() { sqlite3_close(db_); }

Result<std::unique_ptr<StateStore>> StateStore::Open(const std::string& path, int busy_timeout_ms) {
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    Status s(Code::kIo, "cannot open state database " + path + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close(db);
    return s;
  }
  std::unique_ptr<StateStore> store(new StateStore(db));
  sqlite3_busy_timeout(db, busy_timeout_ms);
  HORT_RETURN_IF_ERROR(store->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;").Annotate(path));
  HORT_RETURN_IF_ERROR(store->Exec(kSchema).Annotate(path));
  HORT_RETURN_IF_ERROR(store->AddMissingColumns().Annotate(path));
  return store;
}

// Databases written before a column existed get it added (NULL in old rows),
// so an upgraded daemon keeps its history.
Status StateStore::AddMissingColumns() {
  HORT_RETURN_IF_ERROR(AddColumnIfMissing("runs", "error_code", "TEXT"));
  HORT_RETURN_IF_ERROR(AddColumnIfMissing("runs", "pid_start", "INTEGER NOT NULL DEFAULT 0"));
  return AddColumnIfMissing("restore_tests", "pid_start", "INTEGER NOT NULL DEFAULT 0");
}

Status StateStore::AddColumnIfMissing(const std::string& table, const std::string& column, const std::string& type) {
  bool has = false;
  {
    std::lock_guard<std::mutex> g(mu_);
    Stmt s(db_, "PRAGMA table_info(" + table + ")");
    while (s.Step() == SQLITE_ROW) has = has || s.Text(1) == column;
  }
  if (has) return Status::Ok();
  Status added = Exec("ALTER TABLE " + table + " ADD COLUMN " + column + " " + type);
  // Another process (hort run beside hort serve) may have added it since the check.
  if (!added.ok() && added.message().find("duplicate column") != std::string::npos) return Status::Ok();
  return added;
}

Status StateStore::Exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Status(Code::kIo, "state database: " + msg);
  }
  return Status::Ok();
}

Result<int64_t> StateStore::BeginRun(const RunRecord& r) {
  const int64_t pid_start = r.pid_start ? r.pid_start : ProcessStartTicks(r.pid);
  std::lock_guard<std::mutex> g(mu_);
  Transaction tx(db_);
  HORT_RETURN_IF_ERROR(tx.Begin());
  HORT_ASSIGN_OR_RETURN(auto holder, HeldElsewhere("runs", "job", r.job));
  if (holder) return RunsNow(r.job, holder->pid, holder->started);
  if (IsThisProcess(r.pid, pid_start)) HORT_RETURN_IF_ERROR(CloseOwnRunningRows("runs", "job", r.job, "error", r.started));
  Stmt s(db_,
         "INSERT INTO runs(job, kind, service, layer, repository, trigger, scheduled_for, started, result, attempt, pid, "
         "pid_start) VALUES(?,?,?,?,?,?,?,?,'running',?,?,?)");
  if (!s.ok()) return DbError(db_, "prepare");
  s.Bind(1, r.job);
  s.Bind(2, r.kind);
  s.Bind(3, r.service);
  s.Bind(4, r.layer);
  s.Bind(5, r.repository);
  s.Bind(6, r.trigger);
  s.Bind(7, r.scheduled_for);
  s.Bind(8, r.started);
  s.Bind(9, static_cast<int64_t>(r.attempt));
  s.Bind(10, r.pid);
  s.Bind(11, pid_start);
  if (s.Step() != SQLITE_DONE) return DbError(db_, "record run start");
  const int64_t id = sqlite3_last_insert_rowid(db_);
  HORT_RETURN_IF_ERROR(tx.Commit());
  return id;
}

// Called with mu_ held.
Result<std::optional<RunningHolder>> StateStore::HeldElsewhere(const char* table, const char* column,
                                                               const std::string& key) {
  Stmt running(db_, std::string("SELECT pid, pid_start, started FROM ") + table + " WHERE " + column +
                        "=? AND result='running' ORDER BY id");
  if (!running.ok()) return DbError(db_, "prepare");
  running.Bind(1, key);
  int rc;
  while ((rc = running.Step()) == SQLITE_ROW) {
    const int64_t pid = running.Int(0), start = running.Int(1);
    if (!IsThisProcess(pid, start) && ProcessIsLive(pid, start)) {
      return std::optional<RunningHolder>(RunningHolder{pid, running.Real(2)});
    }
  }
  if (rc != SQLITE_DONE) return DbError(db_, std::string("read running ") + table);
  return std::optional<RunningHolder>();
}

// Called with mu_ held, inside BeginRun's/BeginTest's transaction.
Status StateStore::CloseOwnRunningRows(const char* table, const char* column, const std::string& key,
                                       const std::string& message_column, double now) {
  Stmt s(db_, std::string("UPDATE ") + table + " SET result='failed', ended=?, " + message_column +
                  "=? WHERE " + column + "=? AND result='running' AND pid=? AND pid_start=?");
  if (!s.ok()) return DbError(db_, "prepare");
  s.Bind(1, now);
  s.Bind(2, std::string("interrupted: its end could not be recorded in the state"));
  s.Bind(3, key);
  s.Bind(4, static_cast<int64_t>(::getpid()));
  s.Bind(5, ThisProcessStart());
  if (s.Step() != SQLITE_DONE) return DbError(db_, std::string("close ") + table);
  return Status::Ok();
}

Result<std::optional<RunningHolder>> StateStore::LiveRun(const std::string& job) {
  std::lock_guard<std::mutex> g(mu_);
  return HeldElsewhere("runs", "job", job);
}

Status StateStore::FinishRun(const RunRecord& r) { return RecordRunEnd(r, /*only_running=*/false); }

Status StateStore::RecordRunEnd(const RunRecord& r, bool only_running) {
  std::lock_guard<std::mutex> g(mu_);
  Stmt s(db_, std::string("UPDATE runs SET ended=?, result=?, snapshot_id=?, bytes_added=?, files=?, error=?, "
                          "error_code=? WHERE id=?") + (only_running ? " AND result='running'" : ""));
  if (!s.ok()) return DbError(db_, "prepare");
  s.Bind(1, r.ended);
  s.Bind(2, std::string(RunResultName(r.result)));
  s.Bind(3, r.snapshot_id);
  s.Bind(4, static_cast<int64_t>(r.bytes_added));
  s.Bind(5, static_cast<int64_t>(r.files));
  s.Bind(6, r.error);
  if (r.error_code) s.Bind(7, std::string(CodeName(*r.error_code)));
  s.Bind(8, r.id);
  if (s.Step() != SQLITE_DONE) return DbError(db_, "record run end");
  return Status::Ok();
}

Result<std::vector<RunRecord>> StateStore::Query(const std::string& where, const std::vector<std::string>& args,
                                                 const std::string& tail) {
  std::lock_guard<std::mutex> g(mu_);
  Stmt s(db_, std::string("SELECT ") + kRunColumns + " FROM runs " + where + " " + tail);
  if (!s.ok()) return DbError(db_, "prepare");
  for (size_t i = 0; i < args.size(); ++i) s.Bind(static_cast<int>(i + 1), args[i]);
  std::vector<RunRecord> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadRunRow(s));
  if (rc != SQLITE_DONE) return DbError(db_, "query runs");
  return out;
}

Result<std::optional<RunRecord>> StateStore::LastRun(const std::string& job) {
  HORT_ASSIGN_OR_RETURN(auto rows, Query("WHERE job=?", {job}, "ORDER BY started DESC, id DESC LIMIT 1"));
  if (rows.empty()) return std::optional<RunRecord>();
  return std::optional<RunRecord>(rows[0]);
}

Result<std::optional<RunRecord>> StateStore::LastSuccess(const std::string& job) {
  HORT_ASSIGN_OR_RETURN(auto rows,
                        Query("WHERE job=? AND result='success'", {job}, "ORDER BY started DESC, id DESC LIMIT 1"));
  if (rows.empty()) return std::optional<RunRecord>();
  return std::optional<RunRecord>(rows[0]);
}

Result<std::vector<RunRecord>> StateStore::Runs(const std::string& job, double since, int limit) {
  std::string where = "WHERE started >= " + std::to_string(since);
  std::vector<std::string> args;
  if (!job.empty()) {
    where += " AND job=?";
    args.push_back(job);
  }
  return Query(where, args, "ORDER BY started DESC, id DESC LIMIT " + std::to_string(limit));
}

Result<int64_t> StateStore::FirstSeen(const std::string& job, int64_t now) {
  std::lock_guard<std::mutex> g(mu_);
  {
    Stmt ins(db_, "INSERT OR IGNORE INTO jobs(job, first_seen) VALUES(?,?)");
    ins.Bind(1, job);
    ins.Bind(2, now);
    if (ins.Step() != SQLITE_DONE) return DbError(db_, "record job");
  }
  Stmt s(db_, "SELECT first_seen FROM jobs WHERE job=?");
  s.Bind(1, job);
  if (s.Step() != SQLITE_ROW) return DbError(db_, "read job");
  return s.Int(0);
}

Result<std::vector<RunRecord>> StateStore::RecoverInterrupted(double now) {
  HORT_ASSIGN_OR_RETURN(auto running, Query("WHERE result='running'", {}, "ORDER BY id"));
  std::vector<RunRecord> out;
  for (RunRecord& r : running) {
    if (ProcessIsLive(r.pid, r.pid_start)) continue;
    r.result = RunResult::kFailed;
    r.ended = now;
    r.error = "interrupted: the hort process (pid " + std::to_string(r.pid) + ") ended during the run";
    r.error_code = Code::kCancelled;
    HORT_RETURN_IF_ERROR(RecordRunEnd(r, /*only_running=*/true));
    out.push_back(r);
  }
  HORT_RETURN_IF_ERROR(RecoverInterruptedTests(now));
  return out;
}

Status StateStore::PutRepoStats(const RepoStats& st) {
  std::lock_guard<std::mutex> g(mu_);
  Stmt s(db_, "INSERT OR REPLACE INTO repo_stats(repository, updated, size_bytes, snapshots, locks, oldest_lock_age) "
              "VALUES(?,?,?,?,?,?)");
  s.Bind(1, st.repository);
  s.Bind(2, st.updated);
  s.Bind(3, static_cast<int64_t>(st.size_bytes));
  s.Bind(4, static_cast<int64_t>(st.snapshots));
  s.Bind(5, static_cast<int64_t>(st.locks));
  s.Bind(6, st.oldest_lock_age_seconds);
  if (s.Step() != SQLITE_DONE) return DbError(db_, "record repository stats");
  return Status::Ok();
}

Result<std::map<std::string, RepoStats>> StateStore::AllRepoStats() {
  std::lock_guard<std::mutex> g(mu_);
  Stmt s(db_, "SELECT repository, updated, size_bytes, snapshots, locks, oldest_lock_age FROM repo_stats");
  std::map<std::string, RepoStats> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    RepoStats r;
    r.repository = s.Text(0);
    r.updated = s.Int(1);
    r.size_bytes = static_cast<uint64_t>(s.Int(2));
    r.snapshots = static_cast<uint64_t>(s.Int(3));
    r.locks = static_cast<uint64_t>(s.Int(4));
    r.oldest_lock_age_seconds = s.Real(5);
    out[r.repository] = r;
  }
  if (rc != SQLITE_DONE) return DbError(db_, "read repository stats");
  return out;
}

Status StateStore::PutVeleroStats(const VeleroStats& st) {
  std::lock_guard<std::mutex> g(mu_);
  Stmt s(db_, "INSERT OR REPLACE INTO velero_stats(location, updated, backups, failed, newest_completed, newest_name, "
              "level) VALUES(?,?,?,?,?,?,?)");
  s.Bind(1, st.location);
  s.Bind(2, st.updated);
  s.Bind(3, static_cast<int64_t>(st.backups));
  s.Bind(4, static_cast<int64_t>(st.failed));
  s.Bind(5, st.newest_completed);
  s.Bind(6, st.newest_name);
  s.Bind(7, static_cast<int64_t>(st.level));
  if (s.Step() != SQLITE_DONE) return DbError(db_, "record Velero location stats");
  return Status::Ok();
}

Result<std::map<std::string, VeleroStats>> StateStore::AllVeleroStats() {
  std::lock_guard<std::mutex> g(mu_);
  Stmt s(db_, "SELECT location, updated, backups, failed, newest_completed, newest_name, level FROM velero_stats");
  std::map<std::string, VeleroStats> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    VeleroStats v;
    v.location = s.Text(0);
    v.updated = s.Int(1);
    v.backups = static_cast<uint64_t>(s.Int(2));
    v.failed = static_cast<uint64_t>(s.Int(3));
    v.newest_completed = s.Int(4);
    v.newest_name = s.Text(5);
    v.level = static_cast<int>(s.Int(6));
    out[v.location] = v;
  }
  if (rc != SQLITE_DONE) return DbError(db_, "read Velero location stats");
  return out;
}

}  // namespace hort
