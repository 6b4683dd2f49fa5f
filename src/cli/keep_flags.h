// restic's --keep-* flags, shared by `forget` (snapshots) and `volumes
// forget` (Longhorn backups): one list of flags, one policy builder.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "policy/retention.h"
#include "util/status.h"

namespace hort::cli {

struct KeepFlags {
  int last = 0, hourly = 0, daily = 0, weekly = 0, monthly = 0, yearly = 0;
  std::string within, within_hourly, within_daily, within_weekly, within_monthly, within_yearly;
  std::vector<std::string> keep_tags;
};

// Declares -l/--keep-last … --keep-within-yearly; with `tags`, --keep-tag.
void AddKeepFlags(CLI::App& sub, KeepFlags* f, bool tags);
// The policy the flags describe; kInvalidArgument for bad values.
[[nodiscard]] Status BuildPolicy(const KeepFlags& f, ExpirePolicy* p);

}  // namespace hort::cli
