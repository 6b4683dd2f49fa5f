#include "verify/test_plan.h"

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

AutoTestRunner::AutoTestRunner(const Catalog& catalog, StateStore& state, Clock& clock, Executor executor)
    : catalog_(catalog), state_(state), clock_(clock), executor_(std::move(executor)) {}

AutoTestRunner::~AutoTestRunner() { WaitIdle(); }

void AutoTestRunner::WaitIdle() {
  if (worker_.joinable()) worker_.join();
}

void AutoTestRunner::Tick() {
  if (running_.load()) return;
  WaitIdle();  // reaps the previous, finished worker
  double now = clock_.Now();
  if (now < next_check_.load()) return;
  next_check_.store(now + kAutoTestCheckSeconds);
  auto plan = BuildTestPlan(catalog_, state_, now);
  if (!plan.ok()) return;
  for (const TestPlanEntry& e : DueFirst(*plan)) {
    if (!e.spec->auto_run || !e.spec->LayerAvailable()) continue;
    bool failed_recently = e.last && e.last->result == RunResult::kFailed && now - e.last->started < kAutoTestRetrySeconds;
    if (failed_recently) continue;
    running_.store(true);
    const RestoreTestSpec* spec = e.spec;
    worker_ = std::thread([this, spec] {
      executor_(*spec);
      next_check_.store(0);
      running_.store(false);
    });
    return;
  }
}

}  // namespace hort
