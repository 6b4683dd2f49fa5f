#include "state/state.h"

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
  auto ok = (*st)->LastSuccess("app/files/data");
  ASSERT_TRUE(ok.ok() && ok->has_value());
  EXPECT_EQ((*ok)->snapshot_id, "abcd");
  EXPECT_EQ((*ok)->bytes_added, 42u);
  EXPECT_EQ((*ok)->files, 7u);
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
  EXPECT_EQ((*(*st)->LastRun("b"))->result, RunResult::kRunning);
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

TEST(StateStore, UnwritablePathIsAClearError) {
  auto st = StateStore::Open("/proc/hort/state.sqlite");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.status().message().find("/proc/hort/state.sqlite"), std::string::npos);
}

}  // namespace
}  // namespace hort
