#include "status/summary.h"

#include <gtest/gtest.h>

#include "status/catalog_state_fixture.h"
#include "status/test_due.h"

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

TEST_F(SummaryTest, ATestIsCriticalWhenAServiceInItsScopeIs) {
  Load(std::string(kTwoServices) + R"(tests:
  WIKI: {type: files, scope: wiki, every: 1mo}
  WEB: {type: files, scope: web, every: 1mo}
)");
  auto rep = BuildStatus(*catalog_, *state_, now_);
  ASSERT_TRUE(rep.ok());
  auto plan = BuildTestPlan(*catalog_, *state_, now_);
  ASSERT_TRUE(plan.ok());
  std::vector<Problem> tests;
  for (const Problem& p : FindProblems(*rep, *plan, now_)) {
    if (p.kind == "test overdue") tests.push_back(p);
  }
  ASSERT_EQ(tests.size(), 2u);  // never passed: both due
  EXPECT_EQ(tests[0].what, "test WEB") << "critical first within its kind";
  EXPECT_TRUE(tests[0].critical);
  EXPECT_EQ(tests[1].what, "test WIKI");
  EXPECT_FALSE(tests[1].critical);
}

}  // namespace
}  // namespace hort
