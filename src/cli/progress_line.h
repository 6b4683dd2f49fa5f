// One live progress line on a terminal: elapsed, percent, items, bytes, rate,
// ETA and the current item, redrawn in place; a summary line replaces it at
// the end. Silent when stdout is not a terminal or --quiet/--json is set.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "util/progress.h"

namespace hort::cli {

// Whole seconds as restic prints them: "m:ss", "h:mm:ss" from an hour on.
[[nodiscard]] std::string ClockText(double seconds);

class ProgressLine {
 public:
  ProgressLine(ProgressCounters* counters, std::string unit, bool enabled);
  ~ProgressLine();  // clears the line
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // Formats the line for the given elapsed time (public for tests).
  [[nodiscard]] static std::string Format(const ProgressCounters& c, const std::string& unit, double seconds, size_t width);

 private:
  void Run();
  ProgressCounters* counters_;
  std::string unit_;
  bool enabled_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::chrono::steady_clock::time_point start_;
  std::thread thread_;
};

// With --json: a restic-style {"message_type":"status",...} line every second.
class JsonStatusTicker {
 public:
  JsonStatusTicker(ProgressCounters* counters, bool enabled);
  ~JsonStatusTicker();
  JsonStatusTicker(const JsonStatusTicker&) = delete;
  JsonStatusTicker& operator=(const JsonStatusTicker&) = delete;
  [[nodiscard]] static std::string Format(const ProgressCounters& c, double seconds);

 private:
  ProgressCounters* counters_;
  bool enabled_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// Whether progress should be drawn: stdout is a terminal and output is for humans.
[[nodiscard]] bool ProgressWanted(bool quiet, bool json);

}  // namespace hort::cli
