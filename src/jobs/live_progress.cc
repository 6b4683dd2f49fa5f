#include "jobs/live_progress.h"

#include <algorithm>

namespace hort {

std::shared_ptr<ProgressCounters> LiveProgress::Begin(const std::string& job, int64_t run_id, double started) {
  auto counters = std::make_shared<ProgressCounters>();
  std::lock_guard<std::mutex> g(mu_);
  entries_[job] = {run_id, started, counters};
  return counters;
}

void LiveProgress::End(const std::string& job) {
  std::lock_guard<std::mutex> g(mu_);
  entries_.erase(job);
}

std::vector<ProgressView> LiveProgress::Running() const {
  std::vector<ProgressView> out;
  {
    std::lock_guard<std::mutex> g(mu_);
    for (const auto& [job, e] : entries_) {
      const ProgressCounters& c = *e.counters;
      out.push_back({job, e.run_id, e.started, c.bytes_done.load(), c.items_done.load(), c.bytes_total.load(),
                     c.items_total.load(), c.totals_final.load(), c.Current()});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.started < b.started; });
  return out;
}

double EtaSeconds(const ProgressView& p, double now) {
  const double elapsed = now - p.started;
  if (p.bytes_total == 0 || p.bytes_done == 0 || elapsed <= 0) return -1;
  if (p.bytes_done >= p.bytes_total) return 0;
  return static_cast<double>(p.bytes_total - p.bytes_done) * elapsed / static_cast<double>(p.bytes_done);
}

}  // namespace hort
