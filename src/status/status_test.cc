#include <gtest/gtest.h>

#include "status/catalog_state_fixture.h"
#include "status/status_json.h"
#include "status/status_model.h"
#include "status/test_due.h"

namespace hort {
namespace {

using StatusTest = CatalogStateFixture;

TEST_F(StatusTest, HealthFollowsRunsAndRpo) {
  auto rep = BuildStatus(*catalog_, *state_, now_);
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(Find(*rep, "web/files/data").health, Health::kNever);
  EXPECT_TRUE(rep->critical_problem);

  Record("web/files/data", now_ - 600, RunResult::kSuccess);
  Record("wiki/files/pages", now_ - 3 * 86400, RunResult::kSuccess);
  rep = BuildStatus(*catalog_, *state_, now_);
  EXPECT_EQ(Find(*rep, "web/files/data").health, Health::kOk);
  EXPECT_EQ(Find(*rep, "wiki/files/pages").health, Health::kLate);
  EXPECT_FALSE(rep->critical_problem) << "only a best-effort service is late";

  Record("web/files/data", now_ - 60, RunResult::kFailed);
  rep = BuildStatus(*catalog_, *state_, now_);
  const JobStatus& web = Find(*rep, "web/files/data");
  EXPECT_EQ(web.health, Health::kFailed);
  EXPECT_EQ(web.last_run->error, "disk on fire");
  EXPECT_EQ(web.last_success->started, now_ - 600);
  EXPECT_EQ(web.runs_success, 1u);
  EXPECT_EQ(web.runs_failed, 1u);
  EXPECT_TRUE(rep->critical_problem);

  // A repository check (@weekly) is late after two missed runs, as docs/dashboard.md says.
  const JobStatus& never_checked = Find(*rep, "check/main");
  EXPECT_EQ(never_checked.rpo_seconds, 2 * never_checked.expected_interval_seconds);
  EXPECT_EQ(never_checked.rpo_seconds, 2 * 7 * 86400);
  Record("check/main", now_ - 15 * 86400, RunResult::kSuccess);
  rep = BuildStatus(*catalog_, *state_, now_);
  EXPECT_EQ(Find(*rep, "check/main").health, Health::kLate);
  Record("check/main", now_ - 86400, RunResult::kSuccess);
  rep = BuildStatus(*catalog_, *state_, now_);
  EXPECT_EQ(Find(*rep, "check/main").health, Health::kOk);
}

// The offsite copy of critical data is critical: its check's metric and
// alerts were best-effort (a new-user probe). Resources entries count too.
TEST(RepositoryClassificationTest, FollowsOffsiteCopiesAndResourcesEntries) {
  Catalog c;
  Service critical;
  critical.name = "paperless";
  critical.classification = Classification::kCritical;
  FilesEntry files;
  files.repository = "primary";
  critical.files.push_back(files);
  Service important;
  important.name = "cluster";
  important.classification = Classification::kImportant;
  ResourcesEntry resources;
  resources.repository = "objects";
  important.resources.push_back(resources);
  c.services = {critical, important};
  OffsiteSpec copy;
  copy.from = "primary";
  copy.to = "offsite";
  OffsiteSpec further;
  further.from = "offsite";
  further.to = "cold";
  c.offsite = {copy, further};
  EXPECT_EQ(RepositoryClassification(c, "primary"), Classification::kCritical);
  EXPECT_EQ(RepositoryClassification(c, "offsite"), Classification::kCritical);
  EXPECT_EQ(RepositoryClassification(c, "cold"), Classification::kCritical);
  EXPECT_EQ(RepositoryClassification(c, "objects"), Classification::kImportant);
  EXPECT_EQ(RepositoryClassification(c, "other"), Classification::kBestEffort);
}

TEST_F(StatusTest, JsonCarriesEveryJobAndTheOverdueFlag) {
  Record("web/files/data", now_ - 7200, RunResult::kFailed);
  auto rep = BuildStatus(*catalog_, *state_, now_);
  ASSERT_TRUE(rep.ok());
  nlohmann::json j = StatusJson(*rep, now_);
  ASSERT_EQ(j["jobs"].size(), rep->jobs.size());
  EXPECT_TRUE(j["critical_problem"].get<bool>());
  for (const auto& job : j["jobs"]) {
    if (job["job"] != "web/files/data") continue;
    EXPECT_EQ(job["status"], "FAILED");
    EXPECT_EQ(job["last_error"], "disk on fire");
    EXPECT_EQ(job["last_success"], "");
    EXPECT_TRUE(job["age_seconds"].is_null());
    EXPECT_TRUE(job["overdue"].get<bool>()) << "the hourly run after a run two hours ago is overdue";
    EXPECT_EQ(job["namespace"], "web");
  }
}

TEST_F(StatusTest, ATestIsDueSinceFirstSeenThenEveryAfterItsLastPass) {
  Load(std::string(kTwoServices) +
       "tests:\n  A:\n    type: files\n    scope: web\n    every: 1mo\n"
       "  B:\n    type: files\n    scope: wiki\n    every: 1w\n");
  auto plan = BuildTestPlan(*catalog_, *state_, now_);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->size(), 2u);
  EXPECT_TRUE((*plan)[0].due);
  EXPECT_EQ((*plan)[0].next_due, now_) << "never passed: due since first seen";

  TestRecord pass{.test = "A", .type = "files", .trigger = "manual", .started = now_ - 10 * 86400.0};
  pass.id = *state_->BeginTest(pass);
  pass.ended = pass.started + 60;
  pass.result = RunResult::kSuccess;
  ASSERT_TRUE(state_->FinishTest(pass).ok());
  const double later = now_ + 3600;
  plan = BuildTestPlan(*catalog_, *state_, later);
  ASSERT_TRUE(plan.ok());
  EXPECT_FALSE((*plan)[0].due);
  EXPECT_EQ((*plan)[0].next_due, pass.started + 30 * 86400.0);
  EXPECT_TRUE((*plan)[1].due);
  EXPECT_EQ((*plan)[1].late_seconds, 3600);
  auto due = DueFirst(*plan);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].spec->id, "B");
}

}  // namespace
}  // namespace hort
