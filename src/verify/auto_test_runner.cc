#include "verify/auto_test_runner.h"

namespace hort {

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
