// Counts what a backup will read (files and bytes) so progress can show a
// percentage and ETA, like restic's scanner. Runs beside the backup.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "archiver/excludes.h"
#include "util/progress.h"

namespace hort {

void ScanTargets(const std::vector<std::string>& targets, const ExcludeRules& rules, ProgressCounters* counters,
                 const std::atomic<bool>* stop);

}  // namespace hort
