// Running one function on several threads at once, the caller's among them.
#pragma once

#include <algorithm>
#include <functional>
#include <system_error>
#include <thread>
#include <vector>

namespace hort {

// Workers for a pool of CPU-bound tasks: `requested` when set (> 0), else
// one per core and at least two (so I/O waits on one do not idle the machine).
[[nodiscard]] inline int WorkersFor(int requested) {
  return requested > 0 ? requested : static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
}

// Calls fn(0) .. fn(count - 1) at the same time, fn(0) on the calling
// thread, and returns when every call has returned. A call whose thread
// cannot be started runs on the caller afterwards: the work is always done,
// only later.
inline void RunParallel(unsigned count, const std::function<void(unsigned)>& fn) {
  std::vector<std::thread> helpers;
  std::vector<unsigned> on_caller;
  for (unsigned i = 1; i < count; ++i) {
    try {
      helpers.emplace_back(fn, i);
    } catch (const std::system_error&) {
      on_caller.push_back(i);
    }
  }
  fn(0);
  for (unsigned i : on_caller) fn(i);
  for (std::thread& t : helpers) t.join();
}

}  // namespace hort
