#include "web/status_page.h"

#include <gtest/gtest.h>

namespace hort {
namespace {

TEST(StatusPage, EscapesNamesAndMarksProblems) {
  JobSpec job;
  job.id = "a<b>/files/x";
  JobStatus s;
  s.job = &job;
  s.service = "a<b>";
  s.layer = "files";
  s.entry = "x&y";
  s.health = Health::kFailed;
  s.last_run = RunRecord{.job = job.id, .result = RunResult::kFailed, .error = "\"quoted\""};
  s.next_run = 1000;
  StatusReport rep;
  rep.jobs.push_back(s);
  rep.critical_problem = true;
  std::string page = StatusPage(rep, "1 problem: a<b>/files/x failed", 5000);
  EXPECT_NE(page.find("data-job=\"a&lt;b&gt;/files/x\""), std::string::npos) << page;
  EXPECT_NE(page.find("<td>x&amp;y</td>"), std::string::npos);
  EXPECT_NE(page.find("class=\"status FAILED\">FAILED<"), std::string::npos);
  EXPECT_NE(page.find("(overdue)"), std::string::npos);
  EXPECT_NE(page.find("&quot;quoted&quot;"), std::string::npos);
  EXPECT_NE(page.find("<p id=\"summary\">1 problem: a&lt;b&gt;/files/x failed</p>"), std::string::npos);
  EXPECT_EQ(page.find("<b>"), std::string::npos) << "nothing from the catalog reaches the page unescaped";
}

}  // namespace
}  // namespace hort
