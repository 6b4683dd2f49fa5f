// Running a shell command with a time limit (hooks, smoke tests): its
// combined output is kept (the last 64 KiB), a command past its time is
// killed with its whole process group.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>

#include "util/status.h"

namespace hort {

struct CommandResult {
  int exit_code = -1;  // -1: killed by a signal or timed out
  bool timed_out = false;
  bool cancelled = false;  // killed because `cancel` became true
  std::string output;  // stdout and stderr interleaved, tail only
  double seconds = 0;
};

// Runs `/bin/sh -c command` in `cwd` (empty: current) with `env` added.
// When `cancel` becomes true the command is killed like a timed-out one.
[[nodiscard]] Result<CommandResult> RunShellCommand(const std::string& command, const std::string& cwd,
                                                    const std::map<std::string, std::string>& env,
                                                    int64_t timeout_seconds,
                                                    const std::atomic<bool>* cancel = nullptr);

}  // namespace hort
