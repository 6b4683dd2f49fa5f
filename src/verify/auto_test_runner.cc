#include "verify/auto_test_runner.h"

#include <algorithm>
#include <utility>

namespace hort {

AutoTestRunner::AutoTestRunner(const Catalog& catalog, StateStore& state, Clock& clock, Executor executor)
    : catalog_(catalog), state_(state), clock_(clock), executor_(std::move(executor)) {}

AutoTestRunner::~AutoTestRunner() { WaitIdle(); }

void AutoTestRunner::WaitIdle() {
  if (worker_.joinable()) worker_.join();
}

Status AutoTestRunner::RunNow(const std::string& test) {
  auto spec = std::find_if(catalog_.tests.begin(), catalog_.tests.end(), [&](const RestoreTestSpec& t) { return t.id == test; });
  if (spec == catalog_.tests.end()) return Status(Code::kNotFound, "no restore test " + test + " in the catalog");
  if (!spec->LayerAvailable()) return Status(Code::kUnsupported, "restore test " + test + ": its layer is not in this build");
  std::lock_guard<std::mutex> g(mu_);
  if (running_.load() || manual_) return Status(Code::kAlreadyExists, "a restore test runs now; try again when it ended");
  HORT_ASSIGN_OR_RETURN(auto elsewhere, state_.LiveTest(test));  // `hort test run` beside the daemon
  if (elsewhere) return RunsNow("restore test " + test, elsewhere->pid, elsewhere->started);
  manual_ = &*spec;
  return Status::Ok();
}

void AutoTestRunner::Start(const RestoreTestSpec* spec, const std::string& trigger) {
  running_.store(true);
  worker_ = std::thread([this, spec, trigger] {
    executor_(*spec, trigger);
    next_check_.store(0);
    running_.store(false);
  });
}

void AutoTestRunner::Tick() {
  if (running_.load()) return;
  WaitIdle();  // reaps the previous, finished worker
  {
    std::lock_guard<std::mutex> g(mu_);
    if (manual_) {
      Start(std::exchange(manual_, nullptr), "manual");
      return;
    }
  }
  double now = clock_.Now();
  if (now < next_check_.load()) return;
  next_check_.store(now + kAutoTestCheckSeconds);
  auto plan = BuildTestPlan(catalog_, state_, now);
  if (!plan.ok()) return;
  for (const TestPlanEntry& e : DueFirst(*plan)) {
    if (!e.spec->auto_run || !e.spec->LayerAvailable()) continue;
    bool failed_recently = e.last && e.last->result == RunResult::kFailed && now - e.last->started < kAutoTestRetrySeconds;
    if (failed_recently) continue;
    auto elsewhere = state_.LiveTest(e.spec->id);  // performed by `hort test run` now
    if (elsewhere.ok() && elsewhere->has_value()) continue;
    Start(e.spec, "auto");
    return;
  }
}

}  // namespace hort
