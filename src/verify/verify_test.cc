// The restore-test procedure against real local repositories written by the
// engine: a healthy repository passes; a corrupted or deleted pack, a missing
// expected path and a failing smoke command fail, clean up and are recorded;
// the test plan's due dates and automatic runs follow `every` on a fake clock.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "backend/backend.h"
#include "status/catalog_state_fixture.h"
#include "util/test_clock.h"
#include "verify/auto_test_runner.h"
#include "verify/drill.h"
#include "verify/restore_test.h"

namespace hort {
namespace {

namespace fs = std::filesystem;

class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hort-verify-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "src/sub");
    ::setenv("HORT_TEST_PW", "verify-secret", 1);
    std::ofstream(dir_ / "src/db.sqlite3") << std::string(200000, 'd');
    std::ofstream(dir_ / "src/sub/notes.txt") << "notes\n";
    std::string big;
    for (uint32_t i = 0; i < 300000; ++i) big += static_cast<char>((i * 7919u) % 251u);
    std::ofstream(dir_ / "src/sub/blob.bin") << big;
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Load(const std::string& tests) {
    std::string text =
        "work_dir: ./work\nrepositories:\n  main: {url: ./repo, password_env: HORT_TEST_PW}\n"
        "services:\n  paperless:\n    namespace: productivity\n    classification: critical\n    rpo: 24h\n"
        "    rto: 4h\n    owner: alice\n    files:\n      - pvc: paperless-data\n        source: ./src\n"
        "        schedule: '@daily'\n        repository: main\n"
        "tests:\n" + tests;
    LoadCatalogAndState(dir_, text, &catalog_, &state_);
  }

  void InitAndBackup() {
    auto backend = OpenBackend((dir_ / "repo").string(), BackendOptions{});
    ASSERT_TRUE(backend.ok());
    auto repo = Repository::Init(std::move(*backend), "verify-secret", InitOptions{});
    ASSERT_TRUE(repo.ok()) << repo.status().message();
    JobOutcome o = RunJob(*catalog_, catalog_->jobs.at(0), JobContext{});
    ASSERT_TRUE(o.ok()) << o.Error();
  }

  RestoreTestReport Run(const std::string& id, RestoreTestOptions opt = {}) {
    auto r = RunRestoreTest(*catalog_, *catalog_->FindTest(id), *state_, opt);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : RestoreTestReport{};
  }

  std::vector<fs::path> Packs() {
    std::vector<fs::path> out;
    for (auto& e : fs::recursive_directory_iterator(dir_ / "repo/data")) {
      if (e.is_regular_file()) out.push_back(e.path());
    }
    return out;
  }

  fs::path dir_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<StateStore> state_;
};

constexpr const char* kK8Test =
    "  BT-K8-01:\n    type: files\n    scope: productivity\n    every: 3mo\n    responsible: alice\n"
    "    validate:\n      expect: [paperless/data/paperless-data/db.sqlite3]\n      min_files: 3\n"
    "      commands: ['test -s paperless/data/paperless-data/sub/notes.txt', {run: 'cat paperless/data/paperless-data/sub/notes.txt', output_contains: notes}]\n";

TEST_F(VerifyTest, HealthyRepositoryPassesAndRecordsTheMeasuredRestore) {
  Load(kK8Test);
  InitAndBackup();
  auto rep = Run("BT-K8-01");
  EXPECT_EQ(rep.record.result, RunResult::kSuccess) << rep.record.findings;
  EXPECT_EQ(rep.record.files, 3u);
  EXPECT_EQ(rep.record.bytes, 200000u + 6u + 300000u);
  EXPECT_GT(rep.record.restore_seconds, 0.0);
  EXPECT_LT(rep.record.restore_seconds, rep.record.ended - rep.record.started + 0.001);
  EXPECT_EQ(rep.record.rto_target_seconds, 4 * 3600);
  ASSERT_EQ(rep.commands.size(), 2u);
  EXPECT_TRUE(rep.commands[1].ok);
  EXPECT_EQ(rep.commands[1].output, "notes\n");
  // The whole validate stage, re-hash and smoke commands, as stage_seconds says.
  const auto stages = rep.stage_times.Snapshot();
  ASSERT_TRUE(stages.count("validate"));
  EXPECT_DOUBLE_EQ(rep.validate_seconds, static_cast<double>(stages.at("validate").count()) / 1e9);
  EXPECT_FALSE(fs::exists(ScratchTarget(*catalog_, *catalog_->FindTest("BT-K8-01"))));
  auto rows = state_->Tests("BT-K8-01", 0, 10);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].result, RunResult::kSuccess);
  EXPECT_DOUBLE_EQ((*rows)[0].restore_seconds, rep.record.restore_seconds);
  EXPECT_EQ((*rows)[0].responsible, "alice");
  EXPECT_NE((*rows)[0].snapshots.find("productivity:/data/paperless-data"), std::string::npos);
}

TEST_F(VerifyTest, KeepLeavesTheScratchTarget) {
  Load(kK8Test);
  InitAndBackup();
  RestoreTestOptions opt;
  opt.keep = true;
  auto rep = Run("BT-K8-01", opt);
  EXPECT_EQ(rep.record.result, RunResult::kSuccess) << rep.record.findings;
  EXPECT_TRUE(fs::exists(rep.scratch + "/paperless/data/paperless-data/sub/blob.bin"));
}

TEST_F(VerifyTest, CorruptedPackFailsCleansUpAndIsRecorded) {
  Load(kK8Test);
  InitAndBackup();
  for (const fs::path& p : Packs()) {  // flip bytes in the middle of every pack
    std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(p) / 3));
    f.write("CORRUPT", 7);
  }
  auto rep = Run("BT-K8-01");
  EXPECT_EQ(rep.record.result, RunResult::kFailed);
  EXPECT_NE(rep.record.findings.find("paperless/files/paperless-data"), std::string::npos) << rep.record.findings;
  EXPECT_FALSE(fs::exists(rep.scratch));
  auto last = state_->LastTest("BT-K8-01");
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_EQ((*last)->result, RunResult::kFailed);
}

TEST_F(VerifyTest, DeletedPackFails) {
  Load(kK8Test);
  InitAndBackup();
  auto packs = Packs();
  ASSERT_FALSE(packs.empty());
  uintmax_t biggest = 0;
  fs::path victim;
  for (const auto& p : packs) {
    if (fs::file_size(p) > biggest) biggest = fs::file_size(p), victim = p;
  }
  fs::remove(victim);  // the data pack: trees are small
  auto rep = Run("BT-K8-01");
  EXPECT_EQ(rep.record.result, RunResult::kFailed);
  EXPECT_FALSE(rep.record.findings.empty());
  EXPECT_FALSE(fs::exists(rep.scratch));
}

TEST_F(VerifyTest, MissingExpectedPathAndFailingCommandFail) {
  Load("  T1:\n    type: files\n    scope: paperless\n    every: 1mo\n    validate:\n"
       "      expect: [paperless/data/paperless-data/missing.txt]\n"
       "      commands: [{run: 'echo broken; exit 3', timeout: 10s}]\n");
  InitAndBackup();
  auto rep = Run("T1");
  EXPECT_EQ(rep.record.result, RunResult::kFailed);
  EXPECT_NE(rep.record.findings.find("expected path paperless/data/paperless-data/missing.txt"), std::string::npos);
  EXPECT_NE(rep.record.findings.find("exited with 3: broken"), std::string::npos) << rep.record.findings;
  EXPECT_FALSE(fs::exists(rep.scratch));
}

TEST_F(VerifyTest, CommandTimeoutAndMinimumsFail) {
  Load("  T1:\n    type: files\n    scope: paperless\n    every: 1mo\n    validate:\n"
       "      min_files: 4\n      min_bytes: 99999999\n      commands: [{run: 'sleep 30', timeout: 1s}]\n");
  InitAndBackup();
  auto rep = Run("T1");
  EXPECT_EQ(rep.record.result, RunResult::kFailed);
  EXPECT_NE(rep.record.findings.find("fewer than min_files 4"), std::string::npos);
  EXPECT_NE(rep.record.findings.find("fewer than min_bytes"), std::string::npos);
  EXPECT_NE(rep.record.findings.find("timed out"), std::string::npos);
}

TEST_F(VerifyTest, CancelStopsCleansUpAndRecordsTheInterruption) {
  Load("  T1:\n    type: files\n    scope: paperless\n    every: 1mo\n    validate:\n"
       "      commands: [{run: 'sleep 30', timeout: 1m}]\n");
  InitAndBackup();
  std::atomic<bool> cancel{false};
  std::thread trigger([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    cancel = true;
  });
  RestoreTestOptions opt;
  opt.cancel = &cancel;
  auto rep = Run("T1", opt);
  trigger.join();
  EXPECT_EQ(rep.record.result, RunResult::kFailed);
  EXPECT_NE(rep.record.findings.find("interrupted by a signal"), std::string::npos) << rep.record.findings;
  EXPECT_LT(rep.record.ended - rep.record.started, 20.0);
  EXPECT_FALSE(fs::exists(rep.scratch));
}

TEST_F(VerifyTest, DrillRestoresEveryGroupAndMatchesTheData) {
  Load(kK8Test);
  InitAndBackup();
  auto backend = OpenBackend((dir_ / "repo").string(), BackendOptions{});
  ASSERT_TRUE(backend.ok());
  auto repo = Repository::Open(std::move(*backend), "verify-secret");
  ASSERT_TRUE(repo.ok());
  ASSERT_TRUE((*repo)->LoadIndex().ok());
  auto d = RunDrill(**repo, "main", (dir_ / "dr").string(), catalog_.get(), nullptr);
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_TRUE(d->ok);
  ASSERT_EQ(d->units.size(), 1u);
  EXPECT_EQ(d->files, 3u);
  EXPECT_EQ(d->bytes, 500006u);
  EXPECT_TRUE(fs::exists(dir_ / "dr/productivity/data_paperless-data/data/paperless-data/sub/notes.txt"));
  EXPECT_EQ(d->units[0].classification_rank, 0);
}

TEST_F(VerifyTest, DueDatesAndAutomaticRunsFollowEvery) {
  Load("  A:\n    type: files\n    scope: paperless\n    every: 3mo\n    auto: true\n"
       "  M:\n    type: files\n    scope: paperless\n    every: 1mo\n");
  FakeClock clock;
  const double start = 1795651200;  // 2026-11-26 UTC
  clock.now = start;
  std::vector<double> runs;
  bool fail_next = false;
  AutoTestRunner runner(*catalog_, *state_, clock, [&](const RestoreTestSpec& t, const std::string& trigger) {
    TestRecord r;
    r.test = t.id;
    r.type = TestTypeName(t.type);
    r.trigger = trigger;
    r.started = clock.Now();
    auto id = state_->BeginTest(r);
    ASSERT_TRUE(id.ok());
    r.id = *id;
    r.ended = r.started + 60;
    r.result = fail_next ? RunResult::kFailed : RunResult::kSuccess;
    fail_next = false;
    ASSERT_TRUE(state_->FinishTest(r).ok());
    runs.push_back(clock.Now());
  });
  // A year, hour by hour.
  for (double t = start; t < start + 365 * 86400.0; t += 3600) {
    clock.now = t;
    if (t == start + 200 * 86400.0) fail_next = true;
    runner.Tick();
    runner.WaitIdle();
  }
  // Never run: due at once; then every 90 days; the failure on day 270
  // (the third run) is retried a day later.
  ASSERT_GE(runs.size(), 5u);
  EXPECT_EQ(runs[0], start);
  EXPECT_EQ(runs[1], start + 90 * 86400.0);
  EXPECT_EQ(runs[2], start + 180 * 86400.0);
  EXPECT_EQ(runs[3], start + 270 * 86400.0);  // fails
  EXPECT_EQ(runs[4], start + 271 * 86400.0);  // retried after kAutoTestRetrySeconds
  EXPECT_EQ(runs[5], start + 361 * 86400.0);  // 90 days after the retry passed
  EXPECT_EQ(runs.size(), 6u);
  // M is manual: never run, due since first seen, most overdue first.
  clock.now = start + 365 * 86400.0;
  auto plan = BuildTestPlan(*catalog_, *state_, clock.Now());
  ASSERT_TRUE(plan.ok());
  auto due = DueFirst(*plan);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].spec->id, "M");
  EXPECT_NEAR(due[0].late_seconds, 365 * 86400.0, 1);
  EXPECT_EQ((*plan)[0].next_due, start + 451 * 86400.0);  // A: last pass + 90 days
  EXPECT_FALSE((*plan)[0].due);
}

TEST_F(VerifyTest, RunNowQueuesAManualTestBeforeDueOnes) {
  Load("  A:\n    type: files\n    scope: paperless\n    every: 3mo\n    auto: true\n"
       "  M:\n    type: files\n    scope: paperless\n    every: 1mo\n");
  FakeClock clock;
  clock.now = 1795651200;
  std::vector<std::string> ran;
  AutoTestRunner runner(*catalog_, *state_, clock, [&](const RestoreTestSpec& t, const std::string& trigger) {
    ran.push_back(t.id + " " + trigger);
  });
  EXPECT_EQ(runner.RunNow("nope").code(), Code::kNotFound);
  ASSERT_TRUE(runner.RunNow("M").ok());
  EXPECT_EQ(runner.RunNow("A").code(), Code::kAlreadyExists);  // one queued at a time
  runner.Tick();  // M first although A (auto) is due too
  runner.WaitIdle();
  runner.Tick();
  runner.WaitIdle();
  ASSERT_EQ(ran.size(), 2u);
  EXPECT_EQ(ran[0], "M manual");
  EXPECT_EQ(ran[1], "A auto");
}

}  // namespace
}  // namespace hort
