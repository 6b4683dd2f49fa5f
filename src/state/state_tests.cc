// The restore-test protocol table: one row per performed test.
#include "state/sql.h"
#include "state/state.h"

namespace hort {
namespace {

constexpr const char* kTestColumns =
    "id, test, type, trigger, responsible, started, ended, result, restore_seconds, rto_target, bytes, files, "
    "snapshots, findings, pid, pid_start";

}  // namespace

Result<int64_t> StateStore::BeginTest(const TestRecord& t) {
  const int64_t pid_start = t.pid_start ? t.pid_start : ProcessStartTicks(t.pid);
  std::lock_guard<std::mutex> g(mu_);
  Transaction tx(db_);
  HORT_RETURN_IF_ERROR(tx.Begin());
  HORT_ASSIGN_OR_RETURN(auto holder, HeldElsewhere("restore_tests", "test", t.test));
  if (holder) return RunsNow("restore test " + t.test, holder->pid, holder->started);
  if (IsThisProcess(t.pid, pid_start)) {
    HORT_RETURN_IF_ERROR(CloseOwnRunningRows("restore_tests", "test", t.test, "findings", t.started));
  }
  Stmt s(db_, "INSERT INTO restore_tests(test, type, trigger, responsible, started, result, rto_target, pid, pid_start) "
              "VALUES(?,?,?,?,?,'running',?,?,?)");
  if (!s.ok()) return DbError(db_, "prepare");
  s.Bind(1, t.test);
  s.Bind(2, t.type);
  s.Bind(3, t.trigger);
  s.Bind(4, t.responsible);
  s.Bind(5, t.started);
  s.Bind(6, t.rto_target_seconds);
  s.Bind(7, t.pid);
  s.Bind(8, pid_start);
  if (s.Step() != SQLITE_DONE) return DbError(db_, "record test start");
  const int64_t id = sqlite3_last_insert_rowid(db_);
  HORT_RETURN_IF_ERROR(tx.Commit());
  return id;
}

Result<std::optional<RunningHolder>> StateStore::LiveTest(const std::string& test) {
  std::lock_guard<std::mutex> g(mu_);
  return HeldElsewhere("restore_tests", "test", test);
}

Status StateStore::FinishTest(const TestRecord& t) { return RecordTestEnd(t, /*only_running=*/false); }

Status StateStore::RecordTestEnd(const TestRecord& t, bool only_running) {
  std::lock_guard<std::mutex> g(mu_);
  Stmt s(db_, std::string("UPDATE restore_tests SET ended=?, result=?, restore_seconds=?, bytes=?, files=?, "
                          "snapshots=?, findings=? WHERE id=?") + (only_running ? " AND result='running'" : ""));
  if (!s.ok()) return DbError(db_, "prepare");
  s.Bind(1, t.ended);
  s.Bind(2, std::string(RunResultName(t.result)));
  s.Bind(3, t.restore_seconds);
  s.Bind(4, static_cast<int64_t>(t.bytes));
  s.Bind(5, static_cast<int64_t>(t.files));
  s.Bind(6, t.snapshots);
  s.Bind(7, t.findings);
  s.Bind(8, t.id);
  if (s.Step() != SQLITE_DONE) return DbError(db_, "record test end");
  return Status::Ok();
}

Result<std::vector<TestRecord>> StateStore::QueryTests(const std::string& where, const std::vector<std::string>& args,
                                                       const std::string& tail) {
  std::lock_guard<std::mutex> g(mu_);
  Stmt s(db_, std::string("SELECT ") + kTestColumns + " FROM restore_tests " + where + " " + tail);
  if (!s.ok()) return DbError(db_, "prepare");
  for (size_t i = 0; i < args.size(); ++i) s.Bind(static_cast<int>(i + 1), args[i]);
  std::vector<TestRecord> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    TestRecord t;
    t.id = s.Int(0);
    t.test = s.Text(1);
    t.type = s.Text(2);
    t.trigger = s.Text(3);
    t.responsible = s.Text(4);
    t.started = s.Real(5);
    t.ended = s.Real(6);
    t.result = ParseRunResult(s.Text(7));
    t.restore_seconds = s.Real(8);
    t.rto_target_seconds = s.Int(9);
    t.bytes = static_cast<uint64_t>(s.Int(10));
    t.files = static_cast<uint64_t>(s.Int(11));
    t.snapshots = s.Text(12);
    t.findings = s.Text(13);
    t.pid = s.Int(14);
    t.pid_start = s.Int(15);
    out.push_back(std::move(t));
  }
  if (rc != SQLITE_DONE) return DbError(db_, "query restore tests");
  return out;
}

Result<std::vector<TestRecord>> StateStore::Tests(const std::string& test, double since, int limit) {
  std::string where = "WHERE result != 'running' AND started >= " + std::to_string(since);
  std::vector<std::string> args;
  if (!test.empty()) {
    where += " AND test=?";
    args.push_back(test);
  }
  return QueryTests(where, args, "ORDER BY started DESC, id DESC LIMIT " + std::to_string(limit));
}

Result<std::optional<TestRecord>> StateStore::LastTest(const std::string& test) {
  HORT_ASSIGN_OR_RETURN(auto rows, QueryTests("WHERE test=? AND result != 'running'", {test},
                                              "ORDER BY started DESC, id DESC LIMIT 1"));
  if (rows.empty()) return std::optional<TestRecord>();
  return std::optional<TestRecord>(rows[0]);
}

Result<std::optional<TestRecord>> StateStore::LastTestPass(const std::string& test) {
  HORT_ASSIGN_OR_RETURN(auto rows, QueryTests("WHERE test=? AND result='success'", {test},
                                              "ORDER BY started DESC, id DESC LIMIT 1"));
  if (rows.empty()) return std::optional<TestRecord>();
  return std::optional<TestRecord>(rows[0]);
}

Status StateStore::RecoverInterruptedTests(double now) {
  HORT_ASSIGN_OR_RETURN(auto running, QueryTests("WHERE result='running'", {}, "ORDER BY id"));
  for (TestRecord& t : running) {
    if (ProcessIsLive(t.pid, t.pid_start)) continue;
    t.result = RunResult::kFailed;
    t.ended = now;
    t.findings = "interrupted: the hort process (pid " + std::to_string(t.pid) +
                 ") ended during the test; its scratch target may need removing";
    HORT_RETURN_IF_ERROR(RecordTestEnd(t, /*only_running=*/true));
  }
  return Status::Ok();
}

}  // namespace hort
