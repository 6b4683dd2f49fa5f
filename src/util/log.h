// Minimal leveled logging to stderr. Never pass secrets to it.
#pragma once

#include <string_view>

namespace hort {

enum class LogLevel { kQuiet = 0, kNormal = 1, kVerbose = 2, kDebug = 3 };

void SetLogLevel(LogLevel level);
// Each line starts with the time (RFC 3339): a daemon's log (serve) reads as
// a sequence of events; a command's output does not need it.
void SetLogTimestamps(bool on);
[[nodiscard]] LogLevel GetLogLevel();
void LogWarning(std::string_view message);
void LogInfo(std::string_view message);     // shown unless --quiet
void LogVerbose(std::string_view message);  // shown with --verbose
// A daemon's own line (serve, agent): always shown, the time in front.
void LogEvent(std::string_view message);

}  // namespace hort
