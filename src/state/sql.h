// SQLite helpers shared by the state's source files.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>

#include "state/state.h"
#include "util/status.h"

namespace hort {

// One prepared statement, finalized on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& sql) { rc_ = sqlite3_prepare_v2(db, sql.c_str(), -1, &s_, nullptr); }
  ~Stmt() { sqlite3_finalize(s_); }
  [[nodiscard]] bool ok() const { return rc_ == SQLITE_OK; }
  void Bind(int i, const std::string& v) { sqlite3_bind_text(s_, i, v.c_str(), -1, SQLITE_TRANSIENT); }
  void Bind(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void Bind(int i, double v) { sqlite3_bind_double(s_, i, v); }
  int Step() { return sqlite3_step(s_); }
  // Ready to run again with new bindings.
  void Reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  std::string Text(int c) {
    auto* p = sqlite3_column_text(s_, c);
    return p ? reinterpret_cast<const char*>(p) : "";
  }
  int64_t Int(int c) { return sqlite3_column_int64(s_, c); }
  double Real(int c) { return sqlite3_column_double(s_, c); }

 private:
  sqlite3_stmt* s_ = nullptr;
  int rc_;
};

inline Status DbError(sqlite3* db, const std::string& what) {
  return Status(Code::kIo, "state database: " + what + ": " + sqlite3_errmsg(db));
}

// A transaction, rolled back on scope exit unless committed. Begin(): a
// write transaction taken at once (BEGIN IMMEDIATE), so a check and the write
// it allows are one step for every process sharing the file. BeginRead(): one
// snapshot of the state, one shared lock instead of one per statement.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {}
  ~Transaction() {
    if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  [[nodiscard]] Status Begin() { return Start("BEGIN IMMEDIATE"); }
  [[nodiscard]] Status BeginRead() { return Start("BEGIN"); }
  [[nodiscard]] Status Commit() {
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) return DbError(db_, "commit");
    open_ = false;
    return Status::Ok();
  }

 private:
  [[nodiscard]] Status Start(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return DbError(db_, "begin");
    open_ = true;
    return Status::Ok();
  }
  sqlite3* db_;
  bool open_ = false;
};

inline RunResult ParseRunResult(const std::string& s) {
  if (s == "success") return RunResult::kSuccess;
  if (s == "failed") return RunResult::kFailed;
  if (s == "partial") return RunResult::kPartial;
  return RunResult::kRunning;
}

// The runs table's columns in the order ReadRunRow reads them.
extern const char* const kRunColumns;
[[nodiscard]] RunRecord ReadRunRow(Stmt& s);

// When process `pid` started, in clock ticks after boot (0: no such process).
[[nodiscard]] int64_t ProcessStartTicks(int64_t pid);
// True when the process that recorded a row still runs: the same PID started
// at the same time. Rows of databases older than start times (`start` 0)
// count a hort with that PID, but never this process, which records its start.
[[nodiscard]] bool ProcessIsLive(int64_t pid, int64_t start);
// This process's start (read once), and whether a row's (pid, start) is this very process.
[[nodiscard]] int64_t ThisProcessStart();
[[nodiscard]] bool IsThisProcess(int64_t pid, int64_t start);

}  // namespace hort
