#include "status/summary.h"

#include <gtest/gtest.h>

#include "status/catalog_state_fixture.h"

namespace hort {
namespace {

using SummaryTest = CatalogStateFixture;

TEST_F(SummaryTest, NamesAFailureFirstAndAJobThatNeverRan) {
  Record("web/files/data", now_ - 600, RunResult::kFailed);
  Record("wiki/files/pages", now_ - 600, RunResult::kSuccess);
  Record("offsite/nightly", now_ - 600, RunResult::kSuccess);
  auto rep = BuildStatus(*catalog_, *state_, now_);
  ASSERT_TRUE(rep.ok());
  auto problems = FindProblems(*rep, {}, now_);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].what, "web/files/data");
  EXPECT_EQ(Summary(problems, rep->jobs.size()), "2 problems: web/files/data failed; check/main never ran");
}

TEST_F(SummaryTest, NeverAllFineWhileACriticalCheckNeverRan) {
  Record("web/files/data", now_ - 600, RunResult::kSuccess);
  Record("wiki/files/pages", now_ - 600, RunResult::kSuccess);
  Record("offsite/nightly", now_ - 600, RunResult::kSuccess);
  auto rep = BuildStatus(*catalog_, *state_, now_);
  ASSERT_TRUE(rep.ok());
  EXPECT_FALSE(rep->critical_problem) << "the old page's flag looks at backups only";
  auto problems = FindProblems(*rep, {}, now_);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_TRUE(problems[0].critical) << "main holds the critical service's backups";
  EXPECT_EQ(Summary(problems, rep->jobs.size()), "1 problem: check/main never ran");
  Record("check/main", now_ - 60, RunResult::kSuccess);
  rep = BuildStatus(*catalog_, *state_, now_);
  EXPECT_EQ(Summary(FindProblems(*rep, {}, now_), rep->jobs.size()),
            "All 4 jobs are within their RPO and no restore test is overdue.");
}

TEST_F(SummaryTest, LateAndOverdueAreNamedAndTheListIsCut) {
  Record("web/files/data", now_ - 3 * 3600, RunResult::kSuccess);  // late: rpo 1h
  auto rep = BuildStatus(*catalog_, *state_, now_);
  ASSERT_TRUE(rep.ok());
  auto problems = FindProblems(*rep, {}, now_);
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems[0].kind, "late");
  std::vector<Problem> many(12, Problem{"x", "failed", false});
  EXPECT_NE(Summary(many, 12).find("; and 4 more"), std::string::npos);
}

}  // namespace
}  // namespace hort
