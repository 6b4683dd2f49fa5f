// The restore-test procedure's guard: one thread that raises the test's
// `stop` flag when the caller's cancel flag rises (SIGTERM) or the test's
// timeout passes, so every step that honours `stop` ends early and the
// procedure still cleans up and records why.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "schedule/duration.h"

namespace hort {

class Watchdog {
 public:
  Watchdog(const std::atomic<bool>* external, int64_t timeout_seconds, std::atomic<bool>* stop)
      : thread_([this, external, timeout_seconds, stop] {
          auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
          std::unique_lock<std::mutex> lock(mu_);
          while (!done_) {
            if (external && external->load()) {
              reason_ = "interrupted by a signal";
            } else if (std::chrono::steady_clock::now() >= deadline) {
              reason_ = "exceeded its timeout of " + FormatDuration(timeout_seconds);
            }
            if (!reason_.empty()) {
              stop->store(true);
              return;
            }
            cv_.wait_for(lock, std::chrono::milliseconds(100));
          }
        }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> g(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;
  // Empty until the watchdog has raised `stop`: then why.
  std::string Reason() {
    std::lock_guard<std::mutex> g(mu_);
    return reason_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::string reason_;
  std::thread thread_;  // last: starts after the members above exist
};

}  // namespace hort
