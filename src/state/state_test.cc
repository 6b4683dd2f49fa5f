#include "state/state.h"
#include "state/sql.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

namespace hort {
namespace {

// SQLite's write-ahead log leaves two files beside the database.
void RemoveDb(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}

std::string TempDb() {
  auto p = std::filesystem::temp_directory_path() / ("hort-state-" + std::to_string(::getpid()) + ".sqlite");
  RemoveDb(p.string());
  return p.string();
}

TEST(StateStore, RecordsRunsAndSurvivesReopen) {
  std::string path = TempDb();
  {
    auto st = StateStore::Open(path);
    ASSERT_TRUE(st.ok()) << st.status().message();
    RunRecord r{.job = "app/files/data", .kind = "backup", .trigger = "schedule", .started = 100};
    r.pid = ::getpid();
    auto id = (*st)->BeginRun(r);
    ASSERT_TRUE(id.ok());
    r.id = *id;
    r.ended = 160;
    r.result = RunResult::kSuccess;
    r.snapshot_id = "abcd";
    r.bytes_added = 42;
    r.files = 7;
    ASSERT_TRUE((*st)->FinishRun(r).ok());
    RunRecord f{.job = "app/files/data", .kind = "backup", .trigger = "retry", .started = 200};
    f.id = *(*st)->BeginRun(f);
    f.ended = 201;
    f.result = RunResult::kFailed;
    f.error = "boom";
    f.error_code = Code::kWrongPassword;
    ASSERT_TRUE((*st)->FinishRun(f).ok());
    EXPECT_EQ(*(*st)->FirstSeen("app/files/data", 50), 50);
    EXPECT_EQ(*(*st)->FirstSeen("app/files/data", 99), 50);
  }
  auto st = StateStore::Open(path);
  ASSERT_TRUE(st.ok());
  auto last = (*st)->LastRun("app/files/data");
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_EQ((*last)->result, RunResult::kFailed);
  EXPECT_EQ((*last)->error, "boom");
  EXPECT_EQ((*last)->error_code, Code::kWrongPassword);
  auto ok = (*st)->LastSuccess("app/files/data");
  ASSERT_TRUE(ok.ok() && ok->has_value());
  EXPECT_EQ((*ok)->snapshot_id, "abcd");
  EXPECT_EQ((*ok)->bytes_added, 42u);
  EXPECT_EQ((*ok)->files, 7u);
  EXPECT_FALSE((*ok)->error_code.has_value());
  EXPECT_EQ((*st)->Runs("", 0, 10)->size(), 2u);
  EXPECT_FALSE((*(*st)->LastRun("other")).has_value());
  RemoveDb(path);
}

TEST(StateStore, RunsOfDeadProcessesBecomeInterrupted) {
  std::string path = TempDb();
  auto st = StateStore::Open(path);
  ASSERT_TRUE(st.ok());
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  RunRecord dead{.job = "a", .kind = "backup", .trigger = "schedule", .started = 1};
  dead.pid = child;
  ASSERT_TRUE((*st)->BeginRun(dead).ok());
  RunRecord alive{.job = "b", .kind = "backup", .trigger = "schedule", .started = 1};
  alive.pid = ::getpid();  // this test binary's name contains "hort"
  ASSERT_TRUE((*st)->BeginRun(alive).ok());
  auto rec = (*st)->RecoverInterrupted(5);
  ASSERT_TRUE(rec.ok());
  ASSERT_EQ(rec->size(), 1u);
  EXPECT_EQ((*rec)[0].job, "a");
  auto a = *(*st)->LastRun("a");
  EXPECT_EQ(a->result, RunResult::kFailed);
  EXPECT_NE(a->error.find("interrupted"), std::string::npos);
  EXPECT_EQ(a->error_code, Code::kCancelled);
  EXPECT_EQ((*(*st)->LastRun("b"))->result, RunResult::kRunning);
  RemoveDb(path);
}

// A process that lives until the returned pipe's write end closes.
pid_t SleepingChild(int* release) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  pid_t child = ::fork();
  if (child == 0) {
    ::close(fds[1]);
    char c;
    (void)!::read(fds[0], &c, 1);
    ::_exit(0);
  }
  ::close(fds[0]);
  *release = fds[1];
  return child;
}

TEST(StateStore, OneJobRunsInOneProcessAtATime) {
  std::string path = TempDb();
  auto st = StateStore::Open(path);
  ASSERT_TRUE(st.ok());
  int release = -1;
  pid_t other = SleepingChild(&release);
  ASSERT_GT(other, 0);
  RunRecord theirs{.job = "a", .kind = "backup", .trigger = "manual", .started = 1};
  theirs.pid = other;
  ASSERT_TRUE((*st)->BeginRun(theirs).ok());
  RunRecord mine{.job = "a", .kind = "backup", .trigger = "schedule", .started = 2};
  mine.pid = ::getpid();
  auto refused = (*st)->BeginRun(mine);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kAlreadyExists);
  EXPECT_NE(refused.status().message().find("a runs now in hort pid " + std::to_string(other)), std::string::npos)
      << refused.status().message();
  EXPECT_EQ((*st)->Runs("a", 0, 10)->size(), 1u) << "a refused run is not recorded";
  ASSERT_TRUE((*(*st)->LiveRun("a")).has_value());
  RunRecord other_job{.job = "b", .kind = "backup", .trigger = "schedule", .started = 2};
  other_job.pid = ::getpid();
  EXPECT_TRUE((*st)->BeginRun(other_job).ok()) << "other jobs run meanwhile";

  TestRecord test{.test = "BT-K8-01", .type = "files", .trigger = "manual", .started = 1};
  test.pid = other;
  ASSERT_TRUE((*st)->BeginTest(test).ok());
  test.pid = ::getpid();
  auto test_refused = (*st)->BeginTest(test);
  ASSERT_FALSE(test_refused.ok());
  EXPECT_EQ(test_refused.status().code(), Code::kAlreadyExists);
  ASSERT_TRUE((*(*st)->LiveTest("BT-K8-01")).has_value());

  ::close(release);
  ::waitpid(other, nullptr, 0);
  EXPECT_FALSE((*(*st)->LiveRun("a")).has_value());
  EXPECT_TRUE((*st)->BeginRun(mine).ok()) << "the other process ended: its row no longer holds the job";
  EXPECT_TRUE((*st)->BeginTest(test).ok());
  RemoveDb(path);
}

// In a container hort is PID 1 after every restart: a row of the PID 1 that
// was killed must not count as the PID 1 that runs now.
TEST(StateStore, ARowOfAnEarlierProcessWithTheSamePidIsInterrupted) {
  std::string path = TempDb();
  auto st = StateStore::Open(path);
  ASSERT_TRUE(st.ok());
  RunRecord before{.job = "a", .kind = "backup", .trigger = "schedule", .started = 1};
  before.pid = ::getpid();
  before.pid_start = ProcessStartTicks(::getpid()) - 1;  // the same PID, started earlier
  ASSERT_TRUE((*st)->BeginRun(before).ok());
  TestRecord test{.test = "BT-K8-01", .type = "files", .trigger = "auto", .started = 1};
  test.pid = before.pid;
  test.pid_start = before.pid_start;
  ASSERT_TRUE((*st)->BeginTest(test).ok());
  EXPECT_FALSE((*(*st)->LiveRun("a")).has_value());
  auto rec = (*st)->RecoverInterrupted(5);
  ASSERT_TRUE(rec.ok());
  ASSERT_EQ(rec->size(), 1u);
  EXPECT_EQ((*(*st)->LastRun("a"))->result, RunResult::kFailed);
  auto tests = (*st)->Tests("BT-K8-01", 0, 10);
  ASSERT_EQ(tests->size(), 1u);
  EXPECT_EQ((*tests)[0].result, RunResult::kFailed);
  RunRecord now{.job = "a", .kind = "backup", .trigger = "schedule", .started = 2};
  now.pid = ::getpid();
  ASSERT_TRUE((*st)->BeginRun(now).ok());
  EXPECT_TRUE(ProcessIsLive(::getpid(), ProcessStartTicks(::getpid()))) << "this process, with its start time, is live";
  EXPECT_FALSE((*(*st)->LiveRun("a")).has_value()) << "but its own rows are no other process's run";
  RemoveDb(path);
}

// A run whose end could not be recorded (a full disk) stays `running` under
// the daemon's own PID: it must not stop the job until the daemon restarts.
TEST(StateStore, ARunOfThisProcessWhoseEndWasNotRecordedDoesNotBlockTheNext) {
  std::string path = TempDb();
  auto st = StateStore::Open(path);
  ASSERT_TRUE(st.ok());
  RunRecord lost{.job = "a", .kind = "backup", .trigger = "schedule", .started = 1};
  lost.pid = ::getpid();
  const int64_t lost_id = *(*st)->BeginRun(lost);  // and FinishRun never happened
  RunRecord next{.job = "a", .kind = "backup", .trigger = "schedule", .started = 2};
  next.pid = ::getpid();
  auto id = (*st)->BeginRun(next);
  ASSERT_TRUE(id.ok()) << id.status().message();
  auto rows = (*st)->Runs("a", 0, 10);
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[1].id, lost_id);
  EXPECT_EQ((*rows)[1].result, RunResult::kFailed);
  EXPECT_NE((*rows)[1].error.find("its end could not be recorded"), std::string::npos);
  EXPECT_EQ((*rows)[0].result, RunResult::kRunning);

  TestRecord t{.test = "BT-K8-01", .type = "files", .trigger = "auto", .started = 1};
  t.pid = ::getpid();
  ASSERT_TRUE((*st)->BeginTest(t).ok());
  ASSERT_TRUE((*st)->BeginTest(t).ok()) << "the same for a restore test";
  RemoveDb(path);
}

TEST(StateStore, PartialRunsAreNeitherSuccessNorFailure) {
  std::string path = TempDb();
  auto st = StateStore::Open(path);
  ASSERT_TRUE(st.ok());
  RunRecord r{.job = "a", .kind = "backup", .trigger = "schedule", .started = 1};
  r.id = *(*st)->BeginRun(r);
  r.ended = 2;
  r.result = RunResult::kPartial;
  r.error_code = Code::kPartial;
  r.snapshot_id = "abcd";
  ASSERT_TRUE((*st)->FinishRun(r).ok());
  auto last = *(*st)->LastRun("a");
  EXPECT_EQ(last->result, RunResult::kPartial);
  EXPECT_STREQ(RunResultName(last->result), "partial");
  EXPECT_EQ(last->snapshot_id, "abcd");
  EXPECT_FALSE((*(*st)->LastSuccess("a")).has_value());
  RemoveDb(path);
}

// A database written before runs kept their error's code opens, keeps its
// rows (with no code) and records codes from then on.
TEST(StateStore, OldDatabasesGainTheNewColumns) {
  std::string path = TempDb();
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           ("CREATE TABLE runs(id INTEGER PRIMARY KEY AUTOINCREMENT, job TEXT NOT NULL, kind TEXT NOT "
                           "NULL, service TEXT, layer TEXT, repository TEXT, trigger TEXT NOT NULL, scheduled_for "
                           "INTEGER NOT NULL DEFAULT 0, started REAL NOT NULL, ended REAL NOT NULL DEFAULT 0, result "
                           "TEXT NOT NULL, snapshot_id TEXT, bytes_added INTEGER NOT NULL DEFAULT 0, files INTEGER NOT "
                           "NULL DEFAULT 0, error TEXT, attempt INTEGER NOT NULL DEFAULT 1, pid INTEGER NOT NULL "
                           "DEFAULT 0);"
                           "INSERT INTO runs(job, kind, trigger, started, ended, result, error) "
                           "VALUES('a','backup','schedule',1,2,'failed','old failure');"
                           // A run the killed PID 1 of a container left: this process has its PID now.
                           "INSERT INTO runs(job, kind, trigger, started, result, pid) VALUES('b','backup','schedule',1,"
                           "'running'," + std::to_string(::getpid()) + ");").c_str(),
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto st = StateStore::Open(path);
  ASSERT_TRUE(st.ok()) << st.status().message();
  auto old = *(*st)->LastRun("a");
  EXPECT_EQ(old->error, "old failure");
  EXPECT_FALSE(old->error_code.has_value());
  RunRecord r{.job = "a", .kind = "backup", .trigger = "retry", .started = 3};
  r.id = *(*st)->BeginRun(r);
  r.ended = 4;
  r.result = RunResult::kFailed;
  r.error_code = Code::kUnavailable;
  ASSERT_TRUE((*st)->FinishRun(r).ok());
  EXPECT_EQ((*(*st)->LastRun("a"))->error_code, Code::kUnavailable);
  EXPECT_FALSE((*(*st)->LiveRun("b")).has_value()) << "a row without a start time is never this process's";
  ASSERT_EQ((*st)->RecoverInterrupted(5)->size(), 1u);
  st->reset();
  ASSERT_TRUE(StateStore::Open(path).ok()) << "a second open finds the column and adds nothing";
  RemoveDb(path);
}

int64_t AddRun(StateStore& st, const std::string& job, double started, RunResult result) {
  RunRecord r{.job = job, .kind = "backup", .trigger = "schedule", .started = started};
  r.pid = ::getpid();
  r.id = *st.BeginRun(r);
  if (result == RunResult::kRunning) return r.id;
  r.ended = started + 1;
  r.result = result;
  r.error = result == RunResult::kSuccess ? "" : "error at " + std::to_string(started);
  EXPECT_TRUE(st.FinishRun(r).ok());
  return r.id;
}

// What BuildStatus reads for every job at once: the newest finished run,
// the newest success however old, whether the newest run still runs, and
// the counts within the window (partial counts as failed).
TEST(StateStore, JobHistoriesReadEveryJobAtOnce) {
  std::string path = TempDb();
  auto opened = StateStore::Open(path);
  ASSERT_TRUE(opened.ok());
  StateStore& st = **opened;
  const int64_t a_ok = AddRun(st, "a", 1, RunResult::kSuccess);
  AddRun(st, "a", 2, RunResult::kFailed);
  const int64_t a_partial = AddRun(st, "a", 3, RunResult::kPartial);
  AddRun(st, "a", 4, RunResult::kRunning);
  const int64_t b_ok = AddRun(st, "b", 1, RunResult::kSuccess);
  for (int i = 2; i <= 6; ++i) AddRun(st, "b", i, RunResult::kFailed);
  AddRun(st, "d", 10, RunResult::kFailed);
  const int64_t d_newer = AddRun(st, "d", 10, RunResult::kSuccess);  // same start: the higher id is newer

  auto h = st.JobHistories({"a", "b", "c", "d"}, 3);
  ASSERT_TRUE(h.ok()) << h.status().message();
  ASSERT_EQ(h->size(), 4u);
  const JobHistory& a = (*h)[0];
  EXPECT_TRUE(a.running);
  EXPECT_EQ(a.last_run->id, a_partial);
  EXPECT_EQ(a.last_run->error, "error at 3.000000");
  EXPECT_EQ(a.last_success->id, a_ok) << "older than the window of 3 runs, found all the same";
  EXPECT_EQ(a.runs_success, 0u);
  EXPECT_EQ(a.runs_failed, 2u) << "the running run takes a place in the window";
  const JobHistory& b = (*h)[1];
  EXPECT_FALSE(b.running);
  EXPECT_EQ(b.last_run->started, 6);
  EXPECT_EQ(b.last_success->id, b_ok);
  EXPECT_EQ(b.runs_failed, 3u);
  const JobHistory& c = (*h)[2];
  EXPECT_FALSE(c.running || c.last_run || c.last_success || c.runs_success || c.runs_failed);
  const JobHistory& d = (*h)[3];
  EXPECT_EQ(d.last_run->id, d_newer);
  EXPECT_EQ(d.last_success->id, d_newer);
  EXPECT_EQ(d.runs_success, 1u);
  EXPECT_EQ(d.runs_failed, 1u);

  auto wide = st.JobHistories({"a"}, 1000);
  ASSERT_TRUE(wide.ok());
  EXPECT_EQ((*wide)[0].runs_success, 1u);
  EXPECT_EQ((*wide)[0].runs_failed, 2u);

  ASSERT_EQ(*st.FirstSeen("a", 7), 7);
  EXPECT_EQ(*st.FirstSeen(std::vector<std::string>{"a", "new"}, 50), (std::vector<int64_t>{7, 50}));
  EXPECT_EQ(*st.FirstSeen(std::vector<std::string>{"new", "a"}, 99), (std::vector<int64_t>{50, 7}));
  RemoveDb(path);
}

TEST(StateStore, RepoStatsRoundTrip) {
  std::string path = TempDb();
  auto st = StateStore::Open(path);
  ASSERT_TRUE(st.ok());
  ASSERT_TRUE((*st)->PutRepoStats({"main", 10, 1000, 3, 1, 12.5}).ok());
  ASSERT_TRUE((*st)->PutRepoStats({"main", 20, 2000, 4, 0, 0}).ok());
  auto all = (*st)->AllRepoStats();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->at("main").size_bytes, 2000u);
  EXPECT_EQ(all->at("main").snapshots, 4u);
  RemoveDb(path);
}

TEST(StateStore, VeleroStatsRoundTrip) {
  std::string path = TempDb();
  auto st = StateStore::Open(path);
  ASSERT_TRUE(st.ok());
  ASSERT_TRUE((*st)->PutVeleroStats({"nas", 10, 5, 1, 100, "daily-1", 4}).ok());
  ASSERT_TRUE((*st)->PutVeleroStats({"nas", 20, 6, 0, 200, "daily-2", 5}).ok());
  auto all = (*st)->AllVeleroStats();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  const VeleroStats& v = all->at("nas");
  EXPECT_EQ(v.updated, 20);
  EXPECT_EQ(v.backups, 6u);
  EXPECT_EQ(v.failed, 0u);
  EXPECT_EQ(v.newest_completed, 200);
  EXPECT_EQ(v.newest_name, "daily-2");
  EXPECT_EQ(v.level, 5);
  RemoveDb(path);
}

TEST(StateStore, UnwritablePathIsAClearError) {
  auto st = StateStore::Open("/proc/hort/state.sqlite");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.status().message().find("/proc/hort/state.sqlite"), std::string::npos);
}

}  // namespace
}  // namespace hort
