// The daemon's automatic runs of due `auto` restore tests. Time comes from a
// Clock so tests can replay a year.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "catalog/catalog.h"
#include "state/state.h"
#include "status/test_due.h"
#include "util/clock.h"

namespace hort {

// A failed automatic test is retried after this long, not at every tick.
inline constexpr double kAutoTestRetrySeconds = 86400;
inline constexpr double kAutoTestCheckSeconds = 60;

class AutoTestRunner {
 public:
  // Performs and records the test; trigger is "auto" or "manual".
  using Executor = std::function<void(const RestoreTestSpec&, const std::string& trigger)>;
  AutoTestRunner(const Catalog& catalog, StateStore& state, Clock& clock, Executor executor);
  ~AutoTestRunner();

  // Starts the most overdue due `auto` test (one at a time) and returns at
  // once. The plan is read from the state at most once a minute of clock
  // time, and again right after a test ends.
  void Tick();
  // Runs `test` at the next Tick, before any due one (the dashboard's action):
  // kNotFound (not in the catalog), kUnsupported (its layer is not in this
  // build), kAlreadyExists (a test runs or is queued).
  [[nodiscard]] Status RunNow(const std::string& test);
  void WaitIdle();
  [[nodiscard]] bool Running() const { return running_.load(); }

 private:
  void Start(const RestoreTestSpec* spec, const std::string& trigger);

  const Catalog& catalog_;
  StateStore& state_;
  Clock& clock_;
  Executor executor_;
  std::atomic<bool> running_{false};
  std::atomic<double> next_check_{0};
  std::mutex mu_;
  const RestoreTestSpec* manual_ = nullptr;  // queued by RunNow
  std::thread worker_;
};

}  // namespace hort
