// A StatusReport as JSON: `hort status --json` and the daemon's GET /status
// answer with this one document.
#pragma once

#include <nlohmann/json.hpp>

#include "status/status_model.h"

namespace hort {

[[nodiscard]] nlohmann::json StatusJson(const StatusReport& rep, double now);

}  // namespace hort
