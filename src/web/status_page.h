// The status page `hort serve` shows at /: one table of every job's health,
// no JavaScript, refreshed every 30 s.
#pragma once

#include <string>

#include "status/status_model.h"

namespace hort {

// `summary`: the sentence that names every problem (status/summary.h).
[[nodiscard]] std::string StatusPage(const StatusReport& rep, const std::string& summary, double now);

}  // namespace hort
