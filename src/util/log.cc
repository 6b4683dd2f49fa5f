#include "util/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

#include "util/local_time.h"
#include "util/timer.h"

namespace hort {
namespace {
std::atomic<LogLevel> g_level{LogLevel::kNormal};
std::atomic<bool> g_timestamps{false};
std::mutex g_mu;
void Emit(std::string_view prefix, std::string_view message, bool timestamp = g_timestamps) {
  const std::string when = timestamp ? FormatRfc3339(UnixNow()) + " " : "";
  std::lock_guard lock(g_mu);
  std::fprintf(stderr, "%s%.*s%.*s\n", when.c_str(), static_cast<int>(prefix.size()), prefix.data(),
               static_cast<int>(message.size()), message.data());
}
}  // namespace

void SetLogLevel(LogLevel level) { g_level = level; }
void SetLogTimestamps(bool on) { g_timestamps = on; }
LogLevel GetLogLevel() { return g_level; }
void LogWarning(std::string_view message) { Emit("warning: ", message); }
void LogInfo(std::string_view message) {
  if (g_level >= LogLevel::kNormal) Emit("", message);
}
void LogEvent(std::string_view message) { Emit("", message, /*timestamp=*/true); }
void LogVerbose(std::string_view message) {
  if (g_level >= LogLevel::kVerbose) Emit("", message);
}

}  // namespace hort
