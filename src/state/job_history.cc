// Every job's status inputs at once: what `hort status`, /metrics and the
// dashboard's overview read for each catalog job.
#include "state/sql.h"

#include <map>

namespace hort {

Result<std::vector<int64_t>> StateStore::FirstSeen(const std::vector<std::string>& jobs, int64_t now) {
  std::map<std::string, int64_t> known;
  {
    std::lock_guard<std::mutex> g(mu_);
    Stmt s(db_, "SELECT job, first_seen FROM jobs");
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) known[s.Text(0)] = s.Int(1);
    if (rc != SQLITE_DONE) return DbError(db_, "read jobs");
  }
  std::vector<int64_t> out;
  out.reserve(jobs.size());
  for (const std::string& job : jobs) {
    auto it = known.find(job);
    if (it != known.end()) {
      out.push_back(it->second);
      continue;
    }
    HORT_ASSIGN_OR_RETURN(int64_t first, FirstSeen(job, now));  // a new job: recorded now
    out.push_back(first);
  }
  return out;
}

Result<std::vector<JobHistory>> StateStore::JobHistories(const std::vector<std::string>& jobs, int window) {
  std::lock_guard<std::mutex> g(mu_);
  Transaction tx(db_);
  HORT_RETURN_IF_ERROR(tx.BeginRead());
  // The index runs_newest_by_job is in the walk's order (job, started, id)
  // and holds the result: the walk sorts nothing and reads no table rows;
  // only the one or two runs kept are fetched.
  Stmt recent(db_, "SELECT id, result FROM runs WHERE job=? ORDER BY started DESC, id DESC LIMIT ?");
  Stmt success(db_, "SELECT id FROM runs WHERE job=? AND result='success' ORDER BY started DESC, id DESC LIMIT 1");
  Stmt row(db_, std::string("SELECT ") + kRunColumns + " FROM runs WHERE id=?");
  if (!recent.ok() || !success.ok() || !row.ok()) return DbError(db_, "prepare");
  auto fetch = [&](int64_t id) -> Result<RunRecord> {
    row.Reset();
    row.Bind(1, id);
    if (row.Step() != SQLITE_ROW) return DbError(db_, "read run " + std::to_string(id));
    return ReadRunRow(row);
  };
  std::vector<JobHistory> out;
  out.reserve(jobs.size());
  for (const std::string& job : jobs) {
    JobHistory h;
    int64_t last_id = 0, success_id = 0, seen = 0;
    recent.Reset();
    recent.Bind(1, job);
    recent.Bind(2, static_cast<int64_t>(window));
    int rc;
    while ((rc = recent.Step()) == SQLITE_ROW) {
      const RunResult result = ParseRunResult(recent.Text(1));
      if (seen++ == 0 && result == RunResult::kRunning) {
        h.running = true;
        h.running_id = recent.Int(0);
      }
      if (result == RunResult::kRunning) continue;
      if (result == RunResult::kSuccess) ++h.runs_success; else ++h.runs_failed;
      if (!last_id) last_id = recent.Int(0);
      if (!success_id && result == RunResult::kSuccess) success_id = recent.Int(0);
    }
    if (rc != SQLITE_DONE) return DbError(db_, "query runs");
    if (!success_id && seen == window) {  // the last success is older than the window
      success.Reset();
      success.Bind(1, job);
      rc = success.Step();
      if (rc == SQLITE_ROW) success_id = success.Int(0);
      else if (rc != SQLITE_DONE) return DbError(db_, "query runs");
    }
    if (h.running) {
      HORT_ASSIGN_OR_RETURN(RunRecord r, fetch(h.running_id));
      h.running_started = r.started;
    }
    if (last_id) {
      HORT_ASSIGN_OR_RETURN(h.last_run, fetch(last_id));
    }
    if (success_id == last_id) h.last_success = h.last_run;
    else if (success_id) {
      HORT_ASSIGN_OR_RETURN(h.last_success, fetch(success_id));
    }
    out.push_back(std::move(h));
  }
  return out;
}

}  // namespace hort
