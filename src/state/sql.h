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

inline RunResult ParseRunResult(const std::string& s) {
  if (s == "success") return RunResult::kSuccess;
  if (s == "failed") return RunResult::kFailed;
  if (s == "partial") return RunResult::kPartial;
  return RunResult::kRunning;
}

// The runs table's columns in the order ReadRunRow reads them.
extern const char* const kRunColumns;
[[nodiscard]] RunRecord ReadRunRow(Stmt& s);

// True when `pid` is a running hort process (a recycled PID is not).
[[nodiscard]] bool ProcessIsLiveHort(int64_t pid);

}  // namespace hort
