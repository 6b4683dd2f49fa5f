// The one sentence the dashboard (and the old status page) lead with. It
// names every problem, so it can never read "all fine" while a job failed,
// is late, never ran or missed its slot, or a restore test is overdue.
#pragma once

#include <string>
#include <vector>

#include "status/status_model.h"
#include "status/test_due.h"

namespace hort {

struct Problem {
  std::string what;  // a job id, or "test <id>"
  std::string kind;  // failed, late, never ran, overdue, test failed, test overdue
  bool critical = false;
};

// Failed first, then late, never ran, overdue, then restore tests; critical
// services before the others within each kind.
[[nodiscard]] std::vector<Problem> FindProblems(const StatusReport& rep, const std::vector<TestPlanEntry>& tests,
                                                double now);
// "2 problems: paperless/files/db failed; check/primary never ran" or
// "All 5 jobs are within their RPO and no restore test is overdue."
[[nodiscard]] std::string Summary(const std::vector<Problem>& problems, size_t jobs);

}  // namespace hort
