// Progress counters the engines update and the CLI displays. Lock-free for
// the counters; the current item is behind a small mutex.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

namespace hort {

struct ProgressCounters {
  std::atomic<uint64_t> items_done{0}, items_total{0};
  std::atomic<uint64_t> bytes_done{0}, bytes_total{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<bool> totals_final{false};  // totals will not grow any more

  void SetCurrent(const std::string& item) {
    std::lock_guard lock(mu_);
    current_ = item;
  }
  [[nodiscard]] std::string Current() const {
    std::lock_guard lock(mu_);
    return current_;
  }

 private:
  mutable std::mutex mu_;
  std::string current_;
};

}  // namespace hort
