// When each test of the plan is due, and the daemon's automatic runs of
// due `auto` tests. Time comes from a Clock so tests can replay a year.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "catalog/catalog.h"
#include "state/state.h"
#include "util/clock.h"

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

// A failed automatic test is retried after this long, not at every tick.
inline constexpr double kAutoTestRetrySeconds = 86400;
inline constexpr double kAutoTestCheckSeconds = 60;

class AutoTestRunner {
 public:
  using Executor = std::function<void(const RestoreTestSpec&)>;  // performs and records the test
  AutoTestRunner(const Catalog& catalog, StateStore& state, Clock& clock, Executor executor);
  ~AutoTestRunner();

  // Starts the most overdue due `auto` test (one at a time) and returns at
  // once. The plan is read from the state at most once a minute of clock
  // time, and again right after a test ends.
  void Tick();
  void WaitIdle();
  [[nodiscard]] bool Running() const { return running_.load(); }

 private:
  const Catalog& catalog_;
  StateStore& state_;
  Clock& clock_;
  Executor executor_;
  std::atomic<bool> running_{false};
  std::atomic<double> next_check_{0};
  std::thread worker_;
};

}  // namespace hort
