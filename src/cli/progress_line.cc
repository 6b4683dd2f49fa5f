#include "cli/progress_line.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/json_text.h"

namespace hort::cli {

bool ProgressWanted(bool quiet, bool json) { return !quiet && !json && ::isatty(1); }

ProgressLine::ProgressLine(ProgressCounters* counters, std::string unit, bool enabled)
    : counters_(counters), unit_(std::move(unit)), enabled_(enabled), start_(std::chrono::steady_clock::now()) {
  if (enabled_) thread_ = std::thread([this] { Run(); });
}

ProgressLine::~ProgressLine() {
  if (!enabled_) return;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  std::printf("\r\033[K");
  std::fflush(stdout);
}

std::string ClockText(double s) {
  long t = static_cast<long>(s);
  char buf[32];
  if (t >= 3600) std::snprintf(buf, sizeof(buf), "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  else std::snprintf(buf, sizeof(buf), "%ld:%02ld", t / 60, t % 60);
  return buf;
}

std::string ProgressLine::Format(const ProgressCounters& c, const std::string& unit, double seconds, size_t width) {
  uint64_t done = c.bytes_done, total = c.bytes_total, items = c.items_done, items_total = c.items_total;
  std::string line = "[" + ClockText(seconds) + "]";
  double frac = -1;
  if (total > 0) frac = static_cast<double>(done) / static_cast<double>(total);
  else if (items_total > 0) frac = static_cast<double>(items) / static_cast<double>(items_total);
  if (frac >= 0) {
    char pct[16];
    std::snprintf(pct, sizeof(pct), " %5.1f%%", std::min(frac, 1.0) * 100);
    line += pct;
  }
  std::string counts = std::to_string(items) + (items_total ? " / " + std::to_string(items_total) : "") + " " + unit;
  if (done > 0 || total > 0) counts += ", " + FormatBytes(done) + (total ? " / " + FormatBytes(total) : "");
  std::string rate;  // "12 MiB/s, ETA 1:05"
  if (seconds > 0.5 && done > 0) {
    rate = FormatBytes(static_cast<uint64_t>(static_cast<double>(done) / seconds)) + "/s";
    if (frac > 0.001 && frac < 1 && c.totals_final) rate += ", ETA " + ClockText(seconds / frac - seconds);
  }
  const std::string errors = c.errors > 0 ? ", " + std::to_string(c.errors.load()) + " errors" : "";
  const std::string wide = line + " " + counts + (rate.empty() ? "" : ", " + rate) + errors;
  // A narrow terminal keeps what answers "how long still": rate and ETA come
  // first, the counts are what the cut takes.
  if (wide.size() <= width || rate.empty()) line = wide;
  else line += " " + rate + errors + ", " + counts;
  std::string current = c.Current();
  // The current item gets what room is left; too little room means none.
  if (!current.empty() && line.size() + 16 < width) {
    size_t room = width - line.size() - 2;
    if (current.size() > room) current = "..." + current.substr(current.size() - (room - 3));
    line += "  " + current;
  }
  if (line.size() > width) line.resize(width);
  return line;
}

JsonStatusTicker::JsonStatusTicker(ProgressCounters* counters, bool enabled) : counters_(counters), enabled_(enabled) {
  if (!enabled_) return;
  thread_ = std::thread([this] {
    auto start = std::chrono::steady_clock::now();
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stop_; })) {
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::printf("%s\n", Format(*counters_, s).c_str());
      std::fflush(stdout);
    }
  });
}

JsonStatusTicker::~JsonStatusTicker() {
  if (!enabled_) return;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::string JsonStatusTicker::Format(const ProgressCounters& c, double seconds) {
  uint64_t bytes_total = c.bytes_total, bytes_done = c.bytes_done, total = c.items_total, done = c.items_done;
  double pct = bytes_total ? static_cast<double>(bytes_done) / static_cast<double>(bytes_total)
             : total ? static_cast<double>(done) / static_cast<double>(total) : 0.0;
  nlohmann::json j = {{"message_type", "status"}, {"seconds_elapsed", static_cast<uint64_t>(seconds)},
                      {"percent_done", std::min(pct, 1.0)}, {"total_files", total}, {"files_done", done},
                      {"total_bytes", bytes_total}, {"bytes_done", bytes_done}, {"error_count", c.errors.load()}};
  std::string current = c.Current();
  if (!current.empty()) j["current_files"] = {current};
  return JsonText(j);
}

void ProgressLine::Run() {
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, std::chrono::milliseconds(250), [&] { return stop_; })) {
    winsize ws{};
    size_t width = ::ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10 ? ws.ws_col - 1 : 79;
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::printf("\r\033[K%s", Format(*counters_, unit_, s, width).c_str());
    std::fflush(stdout);
  }
}

}  // namespace hort::cli
