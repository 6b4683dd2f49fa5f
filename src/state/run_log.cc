// The dashboard's records: each run's log lines (so a run's page shows what
// it did after the daemon's stderr is gone) and the actions people asked for.
#include "state/sql.h"

namespace hort {

Result<std::optional<RunRecord>> StateStore::RunById(int64_t id) {
  HORT_ASSIGN_OR_RETURN(auto rows, Query("WHERE id=?", {std::to_string(id)}, ""));
  if (rows.empty()) return std::optional<RunRecord>();
  return std::optional<RunRecord>(rows[0]);
}

Status StateStore::AppendRunLog(int64_t run, double time, const std::string& line) {
  std::lock_guard<std::mutex> g(mu_);
  Stmt s(db_, "INSERT INTO run_log(run, seq, time, line) "
              "VALUES(?1, COALESCE((SELECT MAX(seq) FROM run_log WHERE run=?1), 0) + 1, ?2, ?3)");
  s.Bind(1, run);
  s.Bind(2, time);
  s.Bind(3, line);
  if (s.Step() != SQLITE_DONE) return DbError(db_, "record run log");
  // The end of a long run's log says why it failed: the oldest lines go.
  Stmt trim(db_, "DELETE FROM run_log WHERE run=?1 AND seq <= (SELECT MAX(seq) FROM run_log WHERE run=?1) - ?2");
  trim.Bind(1, run);
  trim.Bind(2, kRunLogLines);
  if (trim.Step() != SQLITE_DONE) return DbError(db_, "trim run log");
  return Status::Ok();
}

Result<std::vector<RunLogLine>> StateStore::RunLog(int64_t run) {
  std::lock_guard<std::mutex> g(mu_);
  Stmt s(db_, "SELECT seq, time, line FROM run_log WHERE run=? ORDER BY seq");
  s.Bind(1, run);
  std::vector<RunLogLine> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back({s.Int(0), s.Real(1), s.Text(2)});
  if (rc != SQLITE_DONE) return DbError(db_, "read run log");
  return out;
}

Result<int64_t> StateStore::RecordAction(const ActionRecord& a) {
  std::lock_guard<std::mutex> g(mu_);
  Stmt s(db_, "INSERT INTO actions(time, who, action, target, result, detail) VALUES(?,?,?,?,?,?)");
  s.Bind(1, a.time);
  s.Bind(2, a.who);
  s.Bind(3, a.action);
  s.Bind(4, a.target);
  s.Bind(5, a.result);
  s.Bind(6, a.detail);
  if (s.Step() != SQLITE_DONE) return DbError(db_, "record action");
  return sqlite3_last_insert_rowid(db_);
}

Result<std::vector<ActionRecord>> StateStore::Actions(int limit) {
  std::lock_guard<std::mutex> g(mu_);
  Stmt s(db_, "SELECT id, time, who, action, target, result, detail FROM actions ORDER BY id DESC LIMIT ?");
  s.Bind(1, static_cast<int64_t>(limit));
  std::vector<ActionRecord> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    out.push_back({s.Int(0), s.Real(1), s.Text(2), s.Text(3), s.Text(4), s.Text(5), s.Text(6)});
  }
  if (rc != SQLITE_DONE) return DbError(db_, "read actions");
  return out;
}

}  // namespace hort
