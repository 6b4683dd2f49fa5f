// What running jobs have done so far, for the dashboard: the daemon opens an
// entry per run, the job's engine counts into it (JobContext::progress), and
// the HTTP threads read copies. Thread-safe; an entry ends with its run.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "util/progress.h"

namespace hort {

struct ProgressView {
  std::string job;
  int64_t run_id = 0;
  double started = 0;
  uint64_t bytes_done = 0, files_done = 0;
  uint64_t bytes_total = 0, files_total = 0;  // 0: not known
  bool totals_final = false;
  std::string current;  // the item being worked on
};

class LiveProgress {
 public:
  // The counters a run of `job` updates until End(job).
  [[nodiscard]] std::shared_ptr<ProgressCounters> Begin(const std::string& job, int64_t run_id, double started);
  void End(const std::string& job);
  // Oldest start first.
  [[nodiscard]] std::vector<ProgressView> Running() const;

 private:
  struct Entry {
    int64_t run_id;
    double started;
    std::shared_ptr<ProgressCounters> counters;
  };
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

// Seconds left at the rate so far, or -1 when no total is known yet.
[[nodiscard]] double EtaSeconds(const ProgressView& p, double now);

}  // namespace hort
