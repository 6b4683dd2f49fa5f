#include "status/test_due.h"

#include <algorithm>

namespace hort {

Result<std::vector<TestPlanEntry>> BuildTestPlan(const Catalog& catalog, StateStore& state, double now) {
  std::vector<TestPlanEntry> out;
  for (const RestoreTestSpec& t : catalog.tests) {
    TestPlanEntry e;
    e.spec = &t;
    HORT_ASSIGN_OR_RETURN(e.last, state.LastTest(t.id));
    HORT_ASSIGN_OR_RETURN(e.last_pass, state.LastTestPass(t.id));
    if (e.last_pass) {
      e.next_due = e.last_pass->started + static_cast<double>(t.every_seconds);
    } else {
      HORT_ASSIGN_OR_RETURN(int64_t first, state.FirstSeen("test/" + t.id, static_cast<int64_t>(now)));
      e.next_due = static_cast<double>(first);
    }
    e.due = e.next_due <= now;
    e.late_seconds = e.due ? now - e.next_due : 0;
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<TestPlanEntry> DueFirst(const std::vector<TestPlanEntry>& plan) {
  std::vector<TestPlanEntry> due;
  for (const auto& e : plan) {
    if (e.due) due.push_back(e);
  }
  std::stable_sort(due.begin(), due.end(), [](const TestPlanEntry& a, const TestPlanEntry& b) {
    return a.late_seconds > b.late_seconds;
  });
  return due;
}

}  // namespace hort
