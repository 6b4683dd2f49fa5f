#include "util/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace hort {
namespace {
std::atomic<LogLevel> g_level{LogLevel::kNormal};
std::mutex g_mu;
void Emit(std::string_view prefix, std::string_view message) {
  std::lock_guard lock(g_mu);
  std::fprintf(stderr, "%.*s%.*s\n", static_cast<int>(prefix.size()), prefix.data(),
               static_cast<int>(message.size()), message.data());
}
}  // namespace

void SetLogLevel(LogLevel level) { g_level = level; }
LogLevel GetLogLevel() { return g_level; }
void LogWarning(std::string_view message) { Emit("warning: ", message); }
void LogInfo(std::string_view message) {
  if (g_level >= LogLevel::kNormal) Emit("", message);
}
void LogVerbose(std::string_view message) {
  if (g_level >= LogLevel::kVerbose) Emit("", message);
}

}  // namespace hort
