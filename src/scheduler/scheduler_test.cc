#include "scheduler/scheduler.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "status/catalog_state_fixture.h"
#include "util/test_clock.h"

namespace hort {
namespace {

namespace fs = std::filesystem;

// 2026-11-26 00:00:00 UTC
constexpr int64_t kDay = 1795651200;

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
    dir_ = fs::temp_directory_path() / ("hort-sched-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Load(const std::string& services, int max_jobs = 2) {
    std::string text = "serve: {max_jobs: " + std::to_string(max_jobs) +
                       ", retry: {attempts: 2, backoff: 5m}}\n"
                       "repositories:\n  r1: {url: ./r1, password_env: PW}\n  r2: {url: ./r2, password_env: PW}\n"
                       "services:\n" + services;
    LoadCatalogAndState(dir_, text, &catalog_, &state_);
  }

  // Advances minute by minute from `from` to `to`, letting every due job run.
  void Replay(Scheduler& s, int64_t from, int64_t to) {
    for (int64_t t = from; t < to; t += 60) {
      clock_.now = static_cast<double>(t + 1);
      do {
        s.Tick();
        s.WaitIdle();
      } while (s.Pending() > 0);
    }
  }

  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<StateStore> state_;
  FakeClock clock_;
  fs::path dir_;
  std::mutex mu_;
  std::vector<std::pair<std::string, int64_t>> runs_;  // job, minute of day

  // Records each run's minute; `ok` says whether it succeeds, and a failure
  // comes back as `failure` (a server that is away, by default).
  JobExecutor Recorder(std::function<bool(const JobSpec&)> ok = nullptr,
                       Status failure = Status(Code::kUnavailable, "simulated failure")) {
    return [this, ok, failure](const JobSpec& j) {
      std::lock_guard<std::mutex> g(mu_);
      runs_.emplace_back(j.id, (static_cast<int64_t>(clock_.Now()) - kDay) / 60);
      JobOutcome o;
      if (ok && !ok(j)) o.status = failure;
      return o;
    };
  }
  std::vector<int64_t> MinutesOf(const std::string& job) {
    std::vector<int64_t> out;
    for (const auto& [j, m] : runs_) if (j == job) out.push_back(m);
    return out;
  }
};

const char* kServices = R"(  web:
    classification: critical
    rpo: 1h
    files:
      - {name: quarter, path: /srv/a, schedule: "*/15 * * * *", repository: r1}
      - {name: nightly, path: /srv/b, schedule: "0 3 * * *", repository: r1}
      - {name: hourly, path: /srv/c, schedule: "@hourly", repository: r2}
      - {name: late, path: /srv/d, schedule: "30 2 * * 4", repository: r2}
      - {name: weekend, path: /srv/e, schedule: "0 12 * * sat,sun", repository: r2}
)";

TEST_F(SchedulerTest, ADayOfSchedulesRunsTheRightJobsAtTheRightMinutes) {
  Load(kServices);
  clock_.now = static_cast<double>(kDay - 30);
  Scheduler s(*catalog_, *state_, clock_, Recorder());
  ASSERT_TRUE(s.Startup().ok());
  Replay(s, kDay, kDay + 86400);
  std::vector<int64_t> quarter;
  for (int m = 0; m < 1440; m += 15) quarter.push_back(m);
  EXPECT_EQ(MinutesOf("web/files/quarter"), quarter);
  EXPECT_EQ(MinutesOf("web/files/nightly"), std::vector<int64_t>{180});  // behind quarter at 03:00, same minute
  std::vector<int64_t> hourly;
  for (int m = 0; m < 1440; m += 60) hourly.push_back(m);
  EXPECT_EQ(MinutesOf("web/files/hourly"), hourly);
  EXPECT_EQ(MinutesOf("web/files/late"), std::vector<int64_t>{150});  // 2026-11-26 is a Thursday
  EXPECT_TRUE(MinutesOf("web/files/weekend").empty());
  auto rows = state_->Runs("", 0, 10000);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->size(), runs_.size());
  for (const auto& r : *rows) {
    EXPECT_EQ(r.result, RunResult::kSuccess);
    EXPECT_EQ(r.trigger, "schedule");
    EXPECT_LE(r.scheduled_for, static_cast<int64_t>(r.started));
    EXPECT_LT(r.started - static_cast<double>(r.scheduled_for), 60) << r.job;
  }
}

TEST_F(SchedulerTest, MissedRunsAfterDowntimeRunOnce) {
  Load(kServices);
  clock_.now = static_cast<double>(kDay - 30);
  {
    Scheduler s(*catalog_, *state_, clock_, Recorder());
    ASSERT_TRUE(s.Startup().ok());
    Replay(s, kDay, kDay + 3600);  // up to 01:00, then the daemon is down until 05:10
  }
  runs_.clear();
  clock_.now = static_cast<double>(kDay + 5 * 3600 + 600);
  Scheduler s(*catalog_, *state_, clock_, Recorder());
  ASSERT_TRUE(s.Startup().ok());
  do {
    s.Tick();
    s.WaitIdle();
  } while (s.Pending() > 0);
  // Each job whose slot passed while down runs exactly once, at start-up.
  EXPECT_EQ(MinutesOf("web/files/quarter").size(), 1u);
  EXPECT_EQ(MinutesOf("web/files/nightly").size(), 1u);
  EXPECT_EQ(MinutesOf("web/files/hourly").size(), 1u);
  EXPECT_EQ(MinutesOf("web/files/late").size(), 1u);
  EXPECT_TRUE(MinutesOf("web/files/weekend").empty());
  auto after = state_->Runs("", kDay + 5 * 3600, 100);
  ASSERT_TRUE(after.ok());
  for (const auto& r : *after) EXPECT_EQ(r.trigger, "startup") << r.job;
  // Then the schedule goes on normally: the next quarter at 05:15.
  runs_.clear();
  Replay(s, kDay + 5 * 3600 + 660, kDay + 5 * 3600 + 960);
  EXPECT_EQ(MinutesOf("web/files/quarter"), std::vector<int64_t>{315});
}

TEST_F(SchedulerTest, TwoJobsOnOneRepositoryNeverRunAtTheSameTime) {
  Load(R"(  web:
    classification: important
    rpo: 1h
    files:
      - {name: a, path: /a, schedule: "@hourly", repository: r1}
      - {name: b, path: /b, schedule: "@hourly", repository: r1}
      - {name: c, path: /c, schedule: "@hourly", repository: r1}
      - {name: d, path: /d, schedule: "@hourly", repository: r2}
      - {name: e, path: /e, schedule: "@hourly", repository: r2}
)", /*max_jobs=*/4);
  std::map<std::string, std::atomic<int>> active;
  active["r1"] = 0;
  active["r2"] = 0;
  std::atomic<int> total{0}, max_total{0}, max_same_repo{0};
  clock_.now = static_cast<double>(kDay - 30);
  Scheduler s(*catalog_, *state_, clock_, [&](const JobSpec& j) {
    int same = ++active[j.repository->name];
    int all = ++total;
    max_same_repo = std::max(max_same_repo.load(), same);
    max_total = std::max(max_total.load(), all);
    std::this_thread::sleep_for(std::chrono::milliseconds(150));  // long enough to overlap on a loaded machine
    --active[j.repository->name];
    --total;
    return JobOutcome{};
  });
  ASSERT_TRUE(s.Startup().ok());
  clock_.now = static_cast<double>(kDay + 3600 + 1);
  while (true) {
    s.Tick();
    if (s.Pending() == 0 && s.Running() == 0) break;
    s.WaitForChange(0.01);
  }
  EXPECT_EQ(max_same_repo.load(), 1);
  EXPECT_EQ(max_total.load(), 2) << "jobs on different repositories run side by side";
  EXPECT_EQ(state_->Runs("", 0, 100)->size(), 5u);
}

TEST_F(SchedulerTest, FailedJobsAreRetriedWithDoublingBackoff) {
  Load(R"(  web:
    classification: critical
    rpo: 1d
    files:
      - {name: flaky, path: /a, schedule: "0 1 * * *", repository: r1}
)");
  int calls = 0;
  clock_.now = static_cast<double>(kDay - 30);
  Scheduler s(*catalog_, *state_, clock_, Recorder([&](const JobSpec&) { return ++calls > 2; }));
  ASSERT_TRUE(s.Startup().ok());
  Replay(s, kDay + 3600, kDay + 3600 + 3600);
  // 01:00 fails, retry after 5m fails, retry after 10m more succeeds.
  EXPECT_EQ(MinutesOf("web/files/flaky"), (std::vector<int64_t>{60, 65, 75}));
  auto rows = *state_->Runs("web/files/flaky", 0, 10);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].result, RunResult::kSuccess);
  EXPECT_EQ(rows[0].attempt, 3);
  EXPECT_EQ(rows[1].trigger, "retry");
  EXPECT_EQ(rows[2].error, "simulated failure");
}

TEST_F(SchedulerTest, OnlyTransientFailuresAreRetried) {
  Load(R"(  web:
    classification: critical
    rpo: 1d
    files:
      - {name: partial, path: /a, schedule: "0 1 * * *", repository: r1}
      - {name: password, path: /b, schedule: "0 1 * * *", repository: r2}
      - {name: missing, path: /c, schedule: "0 2 * * *", repository: r1}
      - {name: locked, path: /d, schedule: "0 2 * * *", repository: r2}
)");
  std::map<std::string, Status> failure = {
      {"web/files/partial", Status(Code::kPartial, "1 source items could not be read (snapshot 1234abcd saved)")},
      {"web/files/password", Status(Code::kWrongPassword, "wrong password or no key found")},
      {"web/files/missing", Status(Code::kNoRepository, "repository ./r1 does not exist")},
      {"web/files/locked", Status(Code::kLocked, "repository is already locked exclusively by PID 7")}};
  int snapshots_of_partial = 0;
  clock_.now = static_cast<double>(kDay - 30);
  Scheduler s(*catalog_, *state_, clock_, [&](const JobSpec& j) {
    std::lock_guard<std::mutex> g(mu_);
    runs_.emplace_back(j.id, (static_cast<int64_t>(clock_.Now()) - kDay) / 60);
    if (j.id == "web/files/partial") ++snapshots_of_partial;  // a partial backup saves its snapshot
    return JobOutcome{.status = failure.at(j.id)};
  });
  ASSERT_TRUE(s.Startup().ok());
  Replay(s, kDay + 3600, kDay + 3 * 3600);
  EXPECT_EQ(MinutesOf("web/files/partial"), std::vector<int64_t>{60}) << "one snapshot per slot";
  EXPECT_EQ(snapshots_of_partial, 1);
  EXPECT_EQ(MinutesOf("web/files/password"), std::vector<int64_t>{60});
  EXPECT_EQ(MinutesOf("web/files/missing"), std::vector<int64_t>{120});
  // The lock holder may finish: retried after 5 and 10 more minutes (2 retry attempts).
  EXPECT_EQ(MinutesOf("web/files/locked"), (std::vector<int64_t>{120, 125, 135}));
  auto partial = *state_->Runs("web/files/partial", 0, 10);
  ASSERT_EQ(partial.size(), 1u);
  EXPECT_EQ(partial[0].result, RunResult::kPartial);
  EXPECT_EQ(partial[0].error_code, Code::kPartial);
  auto password = *state_->Runs("web/files/password", 0, 10);
  ASSERT_EQ(password.size(), 1u);
  EXPECT_EQ(password[0].result, RunResult::kFailed);
  EXPECT_EQ(password[0].error_code, Code::kWrongPassword);
  EXPECT_EQ(password[0].error, "wrong password or no key found") << "the failure says why";
}

TEST_F(SchedulerTest, APermanentFailureBeforeARestartIsNotRetriedAtStartup) {
  Load(R"(  web:
    classification: critical
    rpo: 1d
    files:
      - {name: password, path: /a, schedule: "0 1 * * *", repository: r1}
      - {name: server, path: /b, schedule: "0 1 * * *", repository: r2}
)");
  for (const char* job : {"web/files/password", "web/files/server"}) {
    ASSERT_TRUE(state_->FirstSeen(job, kDay - 7200).ok());
    RunRecord r{.job = job, .kind = "backup", .trigger = "schedule", .scheduled_for = kDay + 3600,
                .started = static_cast<double>(kDay + 3601)};
    r.id = *state_->BeginRun(r);
    r.ended = static_cast<double>(kDay + 3602);
    r.result = RunResult::kFailed;
    r.error_code = std::string(job) == "web/files/password" ? Code::kWrongPassword : Code::kUnavailable;
    ASSERT_TRUE(state_->FinishRun(r).ok());
  }
  clock_.now = static_cast<double>(kDay + 3700);
  Scheduler s(*catalog_, *state_, clock_, Recorder());
  ASSERT_TRUE(s.Startup().ok());
  s.Tick();
  s.WaitIdle();
  EXPECT_TRUE(MinutesOf("web/files/password").empty());
  EXPECT_EQ(MinutesOf("web/files/server").size(), 1u);
}

TEST_F(SchedulerTest, ARunInterruptedByAKillIsRecordedFailedAndRunsAgain) {
  Load(R"(  web:
    classification: critical
    rpo: 1d
    files:
      - {name: big, path: /a, schedule: "0 1 * * *", repository: r1}
)");
  ASSERT_TRUE(state_->FirstSeen("web/files/big", kDay - 7200).ok());
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  RunRecord killed{.job = "web/files/big", .kind = "backup", .trigger = "schedule", .scheduled_for = kDay + 3600,
                   .started = static_cast<double>(kDay + 3601)};
  killed.pid = child;
  ASSERT_TRUE(state_->BeginRun(killed).ok());
  clock_.now = static_cast<double>(kDay + 3700);
  Scheduler s(*catalog_, *state_, clock_, Recorder());
  ASSERT_TRUE(s.Startup().ok());
  s.Tick();
  s.WaitIdle();
  auto rows = *state_->Runs("web/files/big", 0, 10);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].result, RunResult::kFailed);
  EXPECT_NE(rows[1].error.find("interrupted"), std::string::npos);
  EXPECT_EQ(rows[0].result, RunResult::kSuccess);
  EXPECT_EQ(rows[0].trigger, "retry");
}

}  // namespace
}  // namespace hort

namespace hort {
namespace {

TEST_F(SchedulerTest, RunNowRunsAnEntryAtOnceAsManualAndKnowsItsRecord) {
  Load(kServices);
  clock_.now = static_cast<double>(kDay + 60 * 7);  // between the quarter-hour slots
  std::vector<int64_t> run_ids;
  Scheduler s(*catalog_, *state_, clock_, RunExecutor([&](const JobSpec&, const RunRecord& r) {
                std::lock_guard<std::mutex> g(mu_);
                run_ids.push_back(r.id);
                return JobOutcome{};
              }));
  s.Tick();  // the first tick only learns the slots
  s.WaitIdle();
  EXPECT_EQ(s.RunNow("web/files/nope").code(), Code::kNotFound);
  ASSERT_TRUE(s.RunNow("web/files/nightly").ok());
  s.Tick();
  s.WaitIdle();
  auto rows = state_->Runs("web/files/nightly", 0, 10);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].trigger, "manual");
  EXPECT_EQ((*rows)[0].result, RunResult::kSuccess);
  ASSERT_EQ(run_ids.size(), 1u);
  EXPECT_EQ(run_ids[0], (*rows)[0].id) << "the executor is told the run's record before it runs";
  s.Stop();
  EXPECT_EQ(s.RunNow("web/files/nightly").code(), Code::kCancelled);
}

}  // namespace
}  // namespace hort

namespace hort {
namespace {

// `hort run` of a job in another process while the daemon runs: the
// dashboard's action is refused and the schedule's slot waits for it.
TEST_F(SchedulerTest, AJobAnotherProcessRunsIsNotStartedTwice) {
  Load(kServices);
  clock_.now = static_cast<double>(kDay + 60 * 7);
  std::atomic<int> runs{0};
  Scheduler s(*catalog_, *state_, clock_, [&](const JobSpec& j) {
    if (j.id == "web/files/nightly") ++runs;
    return JobOutcome{};
  });
  s.Tick();
  s.WaitIdle();
  int release[2];
  ASSERT_EQ(::pipe(release), 0);
  pid_t other = ::fork();
  if (other == 0) {
    ::close(release[1]);
    char c;
    (void)!::read(release[0], &c, 1);
    ::_exit(0);
  }
  ::close(release[0]);
  RunRecord theirs{.job = "web/files/nightly", .kind = "backup", .trigger = "manual", .started = clock_.now};
  theirs.pid = other;
  ASSERT_TRUE(state_->BeginRun(theirs).ok());

  Status refused = s.RunNow("web/files/nightly");
  EXPECT_EQ(refused.code(), Code::kAlreadyExists);
  EXPECT_NE(refused.message().find("runs now in hort pid " + std::to_string(other)), std::string::npos)
      << refused.message();
  clock_.now = static_cast<double>(kDay + kDay);  // the nightly slot has come
  for (int i = 0; i < 3; ++i) {  // serve ticks every second
    s.Tick();
    s.WaitIdle();
  }
  EXPECT_EQ(runs.load(), 0) << "the slot waits while the other process runs the job";
  EXPECT_GE(s.Pending(), 1u);

  ::close(release[1]);
  ::waitpid(other, nullptr, 0);
  s.Tick();
  s.WaitIdle();
  EXPECT_EQ(runs.load(), 1) << "the slot runs once the other process ended";
}

}  // namespace
}  // namespace hort
