#include "web/api.h"

#include <gtest/gtest.h>

#include "status/catalog_state_fixture.h"

namespace hort {
namespace {

using ApiTest = CatalogStateFixture;

TEST_F(ApiTest, OverviewGroupsServicesRollsUpTheWorstAndTellsTheTruth) {
  Record("web/files/data", now_ - 7200, RunResult::kSuccess);
  Record("web/files/data", now_ - 600, RunResult::kFailed);
  Record("wiki/files/pages", now_ - 600, RunResult::kSuccess);
  auto j = OverviewJson({*catalog_, *state_, nullptr, now_});
  ASSERT_TRUE(j.ok()) << j.status().message();
  const auto& services = (*j)["services"];
  ASSERT_EQ(services.size(), 2u);
  EXPECT_EQ(services[0]["name"], "web") << "catalog order";
  EXPECT_EQ(services[0]["health"], "FAILED");
  EXPECT_EQ(services[1]["health"], "OK");
  const auto& e = services[0]["entries"][0];
  EXPECT_EQ(e["job"], "web/files/data");
  EXPECT_EQ(e["last_error"], "disk on fire");
  EXPECT_EQ(e["runs_ok"], 1);
  EXPECT_EQ(e["runs_failed"], 1);
  EXPECT_EQ(e["rpo_seconds"], 3600);
  EXPECT_NEAR(e["rpo_fraction"].get<double>(), (7200 - 10) / 3600.0, 1e-9);
  EXPECT_EQ((*j)["summary"], "3 problems: web/files/data failed; check/main never ran; offsite/nightly never ran");
  EXPECT_EQ((*j)["maintenance"].size(), 2u);
  EXPECT_EQ((*j)["next_runs"].size(), 4u);
}

TEST_F(ApiTest, RunningJobsShowLiveProgressAndTheirRunPageItsLog) {
  RunRecord r{.job = "web/files/data", .kind = "backup", .trigger = "manual", .started = now_ - 20};
  r.id = *state_->BeginRun(r);
  ASSERT_TRUE(state_->AppendRunLog(r.id, now_ - 19, "web/files/data: started").ok());
  LiveProgress live;
  auto c = live.Begin("web/files/data", r.id, now_ - 20);
  c->bytes_done = 5000;
  c->items_done = 7;
  auto j = OverviewJson({*catalog_, *state_, &live, now_});
  ASSERT_TRUE(j.ok());
  ASSERT_EQ((*j)["running"].size(), 1u);
  EXPECT_EQ((*j)["running"][0]["bytes_done"], 5000);
  EXPECT_EQ((*j)["running"][0]["files_done"], 7);
  EXPECT_EQ((*j)["running"][0]["run_id"], r.id);
  EXPECT_EQ((*j)["services"][0]["entries"][0]["health"], "RUNNING");
  auto run = RunJson({*catalog_, *state_, &live, now_}, r.id);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ((*run)["log"][0]["line"], "web/files/data: started");
  EXPECT_EQ((*run)["progress"]["files_done"], 7);
  EXPECT_EQ(RunJson({*catalog_, *state_, &live, now_}, r.id + 99).status().code(), Code::kNotFound);
}

TEST_F(ApiTest, ARunOfAnotherProcessHasTheSameKeysWithWhatTheStateKnows) {
  RunRecord r{.job = "web/files/data", .kind = "backup", .trigger = "manual", .started = now_ - 20};
  r.id = *state_->BeginRun(r);  // no live progress: `hort run` beside the daemon
  LiveProgress live;
  auto own = live.Begin("wiki/files/pages", 99, now_ - 5);
  auto j = OverviewJson({*catalog_, *state_, &live, now_});
  ASSERT_TRUE(j.ok());
  ASSERT_EQ((*j)["running"].size(), 2u);
  const auto& mine = (*j)["running"][0];
  const auto& other = (*j)["running"][1];
  EXPECT_EQ(other["job"], "web/files/data");
  EXPECT_EQ(other["run_id"], r.id);
  EXPECT_EQ(other["seconds"], 20);
  EXPECT_FALSE(other["started"].is_null());
  EXPECT_TRUE(other["bytes_done"].is_null());
  EXPECT_TRUE(other["eta_seconds"].is_null());
  std::vector<std::string> keys, other_keys;
  for (const auto& [k, v] : mine.items()) keys.push_back(k);
  for (const auto& [k, v] : other.items()) other_keys.push_back(k);
  EXPECT_EQ(other_keys, keys) << "a client reads one shape";
}

TEST_F(ApiTest, HistoryKeepsTheLastDaysPerJobOldestFirst) {
  Record("web/files/data", now_ - 40 * 86400.0, RunResult::kSuccess);
  Record("web/files/data", now_ - 2 * 86400.0, RunResult::kFailed);
  Record("web/files/data", now_ - 86400.0, RunResult::kSuccess);
  auto j = HistoryJson({*catalog_, *state_, nullptr, now_}, 30);
  ASSERT_TRUE(j.ok());
  const auto& runs = (*j)["entries"][0]["runs"];
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0]["result"], "failed");
  EXPECT_EQ(runs[1]["result"], "success");
  EXPECT_EQ(runs[1]["duration_seconds"], 10.0);
  EXPECT_EQ(runs[1]["bytes_added"], 1234);
  EXPECT_EQ(HistoryJson({*catalog_, *state_, nullptr, now_}, 0).status().code(), Code::kInvalidArgument);
}

TEST_F(ApiTest, RepositoriesCarryStatsCheckAndOffsiteAge) {
  ASSERT_TRUE(state_->PutRepoStats({.repository = "main", .updated = 5, .size_bytes = 99, .snapshots = 3, .locks = 1,
                                    .oldest_lock_age_seconds = 12}).ok());
  Record("check/main", now_ - 3600, RunResult::kFailed);
  Record("offsite/nightly", now_ - 7200, RunResult::kSuccess);
  auto j = RepositoriesJson({*catalog_, *state_, nullptr, now_});
  ASSERT_TRUE(j.ok());
  const auto& main = (*j)["repositories"][1];  // by name: copy, main
  EXPECT_EQ(main["name"], "main");
  EXPECT_EQ(main["snapshots"], 3);
  EXPECT_EQ(main["locks"], 1);
  EXPECT_EQ(main["last_check"]["result"], "failed");
  EXPECT_EQ(main["offsite"][0]["age_seconds"], 7190);
  EXPECT_EQ(UrlWithoutUserInfo("rest:https://u:secret@host/r"), "rest:https://host/r");
  EXPECT_EQ(UrlWithoutUserInfo("s3:https://host/b/p@x"), "s3:https://host/b/p@x");
}

TEST_F(ApiTest, TestsAreOverdueFirst) {
  Load(std::string(kTwoServices) + R"(tests:
  T-LATER: {type: files, scope: wiki, every: 1y, responsible: me}
  T-OVERDUE: {type: files, scope: web, every: 1mo, responsible: me}
)");
  TestRecord t{.test = "T-LATER", .type = "files", .trigger = "manual", .started = now_ - 86400,
               .ended = now_ - 86000, .result = RunResult::kSuccess, .restore_seconds = 30, .rto_target_seconds = 60};
  t.id = *state_->BeginTest(t);
  ASSERT_TRUE(state_->FinishTest(t).ok());
  auto j = TestsJson({*catalog_, *state_, nullptr, now_ + 10});
  ASSERT_TRUE(j.ok()) << j.status().message();
  EXPECT_EQ((*j)["tests"][0]["test"], "T-OVERDUE");
  EXPECT_EQ((*j)["tests"][0]["due"], true);
  EXPECT_EQ((*j)["tests"][1]["last"]["rto_met"], true);
  EXPECT_EQ((*j)["protocol"].size(), 1u);
}

}  // namespace
}  // namespace hort

namespace hort {
namespace {

TEST_F(ApiTest, SilenceLinksCarryTheAlertLabelsWhenAlertmanagerIsSet) {
  auto j = OverviewJson({*catalog_, *state_, nullptr, now_});
  ASSERT_TRUE(j.ok());
  EXPECT_TRUE((*j)["services"][0]["entries"][0]["silence_url"].is_null());
  Load(std::string(kTwoServices) + "alertmanager: {url: http://am:9093/}\n");
  j = OverviewJson({*catalog_, *state_, nullptr, now_});
  ASSERT_TRUE(j.ok());
  EXPECT_EQ((*j)["services"][0]["entries"][0]["silence_url"],
            "http://am:9093/#/silences/new?filter=%7Bservice%3D%22web%22%2Centry%3D%22data%22%7D");
  EXPECT_EQ((*j)["maintenance"][0]["silence_url"], "http://am:9093/#/silences/new?filter=%7Brepository%3D%22main%22%7D");
}

}  // namespace
}  // namespace hort
