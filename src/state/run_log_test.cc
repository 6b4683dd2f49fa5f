#include <gtest/gtest.h>

#include <filesystem>

#include "state/state.h"
#include "util/test_temp_folder.h"

namespace hort {
namespace {

// A new state database in `folder`, which outlives it.
std::unique_ptr<StateStore> Fresh(const TempFolder& folder) {
  auto st = StateStore::Open((folder / "state.sqlite").string());
  EXPECT_TRUE(st.ok()) << st.status().message();
  return std::move(*st);
}

TEST(RunLog, KeepsTheLastLinesOfEachRunInOrder) {
  TempFolder folder("runlog-lines");
  auto st = Fresh(folder);
  for (int64_t i = 1; i <= kRunLogLines + 20; ++i) ASSERT_TRUE(st->AppendRunLog(7, 100.0 + i, "line " + std::to_string(i)).ok());
  ASSERT_TRUE(st->AppendRunLog(8, 5, "other run").ok());
  auto lines = st->RunLog(7);
  ASSERT_TRUE(lines.ok());
  ASSERT_EQ(lines->size(), static_cast<size_t>(kRunLogLines));
  EXPECT_EQ(lines->front().line, "line 21") << "the oldest lines go, the end that says why stays";
  EXPECT_EQ(lines->back().line, "line " + std::to_string(kRunLogLines + 20));
  EXPECT_EQ((*st->RunLog(8))[0].line, "other run");
}

TEST(RunLog, FindsARunById) {
  TempFolder folder("runlog-byid");
  auto st = Fresh(folder);
  RunRecord r{.job = "app/files/data", .kind = "backup", .trigger = "manual", .started = 100};
  auto id = st->BeginRun(r);
  ASSERT_TRUE(id.ok());
  auto got = st->RunById(*id);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->job, "app/files/data");
  EXPECT_EQ((*got)->trigger, "manual");
  EXPECT_FALSE(st->RunById(*id + 1)->has_value());
}

TEST(Actions, RecordsWhoWhenWhatAndResultNewestFirst) {
  TempFolder folder("runlog-actions");
  auto st = Fresh(folder);
  ASSERT_TRUE(st->RecordAction({.time = 10, .who = "alice", .action = "run", .target = "app/files/data",
                                .result = "accepted", .detail = "queued"}).ok());
  ASSERT_TRUE(st->RecordAction({.time = 20, .who = "token", .action = "test", .target = "t1", .result = "refused",
                                .detail = "no such test"}).ok());
  auto all = st->Actions(10);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].who, "token");
  EXPECT_EQ((*all)[0].result, "refused");
  EXPECT_EQ((*all)[1].target, "app/files/data");
  EXPECT_EQ((*all)[1].time, 10);
}

}  // namespace
}  // namespace hort
