// A fixed set of worker threads draining one task queue. Tasks must not
// block waiting for other tasks of the same pool (that could deadlock);
// pipelines use one pool per stage kind for that reason.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hort {

class ThreadPool {
 public:
  // Throws std::system_error when a thread cannot be started, after
  // joining those that were.
  explicit ThreadPool(size_t threads) {
    if (threads == 0) threads = 1;
    try {
      for (size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { Run(); });
    } catch (...) {
      Stop();
      throw;
    }
  }
  ~ThreadPool() { Stop(); }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void Submit(std::function<void()> task) {
    {
      std::lock_guard lock(mu_);
      tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
  }

  [[nodiscard]] size_t size() const { return workers_.size(); }

 private:
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }
  void Run() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stop_ || !tasks_.empty(); });
        if (tasks_.empty()) return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  std::vector<std::thread> workers_;
  bool stop_ = false;
};

// Counts outstanding work; Wait blocks until it is back to zero.
class WaitGroup {
 public:
  void Add(int n = 1) {
    std::lock_guard lock(mu_);
    count_ += n;
  }
  void Done() {
    std::lock_guard lock(mu_);
    if (--count_ == 0) cv_.notify_all();
  }
  void Wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return count_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int count_ = 0;
};

// A counting semaphore over a resource amount (e.g. bytes in flight).
class Budget {
 public:
  // Waiters are woken once `wake_at` is available (at least 1, at most the
  // capacity): a budget of many small units (files in flight) then wakes
  // its waiters once per several releases instead of on every one.
  explicit Budget(uint64_t capacity, uint64_t wake_at = 1)
      : available_(capacity), capacity_(capacity), wake_at_(std::clamp<uint64_t>(wake_at, 1, capacity)) {}
  // A request beyond the capacity waits for all of it.
  void Acquire(uint64_t n) {
    n = Clamp(n);
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return available_ >= n; });
    available_ -= n;
  }
  // Acquire without waiting: false (and nothing taken) when it would wait.
  [[nodiscard]] bool TryAcquire(uint64_t n) {
    n = Clamp(n);
    std::lock_guard lock(mu_);
    if (available_ < n) return false;
    available_ -= n;
    return true;
  }
  void Release(uint64_t n) {
    n = Clamp(n);
    {
      std::lock_guard lock(mu_);
      available_ += n;
      if (available_ < wake_at_) return;
    }
    cv_.notify_all();
  }

 private:
  [[nodiscard]] uint64_t Clamp(uint64_t n) const { return std::min(n, capacity_); }

  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t available_, capacity_, wake_at_;
};

}  // namespace hort
