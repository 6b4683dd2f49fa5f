// When each restore test of the plan is due: the last pass + its `every`; a
// test never passed is due since it was first seen. Read by `hort test due`,
// the status report, /metrics and the daemon's automatic test runner.
#pragma once

#include <optional>
#include <vector>

#include "catalog/catalog.h"
#include "state/state.h"

namespace hort {

struct TestPlanEntry {
  const RestoreTestSpec* spec = nullptr;
  std::optional<TestRecord> last, last_pass;
  // The last pass + every; a test never passed is due since it was first seen.
  double next_due = 0;
  bool due = false;
  double late_seconds = 0;  // now - next_due when due
};

// In catalog order.
[[nodiscard]] Result<std::vector<TestPlanEntry>> BuildTestPlan(const Catalog& catalog, StateStore& state, double now);
// The due entries, most overdue first.
[[nodiscard]] std::vector<TestPlanEntry> DueFirst(const std::vector<TestPlanEntry>& plan);

}  // namespace hort
