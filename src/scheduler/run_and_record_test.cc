// A state database another process holds (`sqlite3` with BEGIN EXCLUSIVE):
// runs are not lost silently (a probe: `hort run` said ok, exit 0, and
// recorded nothing, so status called the backup late).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "scheduler/scheduler.h"
#include "status/catalog_state_fixture.h"
#include "util/test_clock.h"

namespace hort {
namespace {

// The status tests' catalog (web/files/data, hourly) with the state
// reopened to wait 50 ms for a lock instead of 15 s.
class BusyStateTest : public CatalogStateFixture {
 protected:
  void SetUp() override {
    CatalogStateFixture::SetUp();
    auto quick = StateStore::Open(catalog_->state_path, /*busy_timeout_ms=*/50);
    ASSERT_TRUE(quick.ok());
    state_ = std::move(*quick);
    job_ = catalog_->FindJob("web/files/data");
    ASSERT_NE(job_, nullptr);
    clock_.now = 1795651200;
  }
  void TearDown() override {
    Release();
    CatalogStateFixture::TearDown();
  }
  // Another process's write transaction on the state file.
  void Hold() {
    ASSERT_EQ(sqlite3_open(catalog_->state_path.c_str(), &other_), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(other_, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  }
  void Release() {
    if (other_) sqlite3_exec(other_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(other_);
    other_ = nullptr;
  }

  const JobSpec* job_ = nullptr;
  FakeClock clock_;
  sqlite3* other_ = nullptr;
};

TEST_F(BusyStateTest, AJobWhoseStartCannotBeRecordedDoesNotRun) {
  Hold();
  int ran = 0;
  RecordedRun rr = RunAndRecord(*state_, clock_, *job_, "manual", 0, 1, [&](const JobSpec&) {
    ++ran;
    return JobOutcome{};
  });
  EXPECT_EQ(ran, 0) << "unrecorded, no other process could see it run";
  EXPECT_FALSE(rr.recorded.ok());
  EXPECT_EQ(rr.run.result, RunResult::kFailed);
  EXPECT_EQ(rr.run.error_code, Code::kUnavailable) << "transient: the daemon retries it";
  EXPECT_NE(rr.run.error.find("not run: its start could not be recorded (state database: "), std::string::npos)
      << rr.run.error;
  EXPECT_NE(rr.run.error.find("locked"), std::string::npos) << rr.run.error;
  Release();
  auto runs = state_->Runs("", 0, 10);
  ASSERT_TRUE(runs.ok());
  EXPECT_TRUE(runs->empty());
}

TEST_F(BusyStateTest, ARunWhoseEndCannotBeRecordedSaysSo) {
  RecordedRun rr = RunAndRecord(*state_, clock_, *job_, "manual", 0, 1, [&](const JobSpec&) {
    Hold();  // from now until the end of the test
    JobOutcome o;
    o.snapshot_id = std::string(64, 'a');
    return o;
  });
  EXPECT_EQ(rr.run.result, RunResult::kSuccess);
  ASSERT_FALSE(rr.recorded.ok());
  EXPECT_NE(rr.recorded.message().find("ran (success, snapshot aaaaaaaa) but its end could not be recorded: "),
            std::string::npos) << rr.recorded.message();
}

TEST_F(BusyStateTest, ARunWaitsForTheDatabaseAndIsRecorded) {
  std::thread releaser;
  RecordedRun rr = RunAndRecord(*state_, clock_, *job_, "manual", 0, 1, [&](const JobSpec&) {
    Hold();
    // Released while the end's tries wait: kFinishRunTries of 50 ms each.
    releaser = std::thread([this] {
      std::this_thread::sleep_for(std::chrono::milliseconds(60));
      Release();
    });
    return JobOutcome{};
  });
  releaser.join();
  EXPECT_TRUE(rr.recorded.ok()) << rr.recorded.message();
  auto last = state_->LastRun("web/files/data");
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_EQ((*last)->result, RunResult::kSuccess);
}

TEST_F(BusyStateTest, TheDaemonLogsARunItCouldNotRecord) {
  std::vector<std::string> lines;
  std::mutex mu;
  Scheduler s(*catalog_, *state_, clock_, [](const JobSpec&) { return JobOutcome{}; });
  s.SetLog([&](const std::string& line) {
    std::lock_guard<std::mutex> g(mu);
    lines.push_back(line);
  });
  ASSERT_TRUE(s.Startup().ok());
  Hold();
  ASSERT_TRUE(s.RunNow("web/files/data").ok());
  s.Tick();
  s.WaitIdle();
  std::lock_guard<std::mutex> g(mu);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].rfind("web/files/data: not run: its start could not be recorded", 0), 0u) << lines[0];
}

}  // namespace
}  // namespace hort
