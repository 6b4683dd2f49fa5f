// Stage timers: every pipeline stage accumulates its wall time here so that
// `--verbose` can print where a backup or restore spent its time.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace hort {

// Wall seconds since `start` on the monotonic clock.
[[nodiscard]] inline double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The current Unix time in seconds, with fractions.
[[nodiscard]] inline double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class StageTimes {
 public:
  StageTimes() = default;
  StageTimes(const StageTimes& other) : times_(other.Snapshot()) {}
  StageTimes& operator=(const StageTimes& other) {
    auto copy = other.Snapshot();
    std::lock_guard lock(mu_);
    times_ = std::move(copy);
    return *this;
  }
  void Add(const std::string& stage, std::chrono::nanoseconds d) {
    std::lock_guard lock(mu_);
    times_[stage] += d;
  }
  [[nodiscard]] std::map<std::string, std::chrono::nanoseconds> Snapshot() const {
    std::lock_guard lock(mu_);
    return times_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::chrono::nanoseconds> times_;
};

// Adds the scope's duration to `times` under `stage` (no-op when times is null).
class ScopedStageTimer {
 public:
  ScopedStageTimer(StageTimes* times, std::string stage)
      : times_(times), stage_(std::move(stage)), start_(std::chrono::steady_clock::now()) {}
  ~ScopedStageTimer() {
    if (times_) times_->Add(stage_, std::chrono::steady_clock::now() - start_);
  }
  ScopedStageTimer(const ScopedStageTimer&) = delete;
  ScopedStageTimer& operator=(const ScopedStageTimer&) = delete;

 private:
  StageTimes* times_;
  std::string stage_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace hort
