// The two renderings of a StatusReport besides the terminal table: JSON
// (`hort status --json`, GET /status) and the status page hort serve shows at
// / (one table, no JavaScript, refreshed every 30 s).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "metrics/status_model.h"

namespace hort::cli {

[[nodiscard]] nlohmann::json StatusJson(const StatusReport& rep, double now);
[[nodiscard]] std::string StatusPage(const StatusReport& rep, double now);

}  // namespace hort::cli
