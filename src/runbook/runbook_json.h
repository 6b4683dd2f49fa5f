// The runbook as JSON (`hort runbook --json`, docs/json.md): the model
// without words, so scripts read IDs, commands and test results directly.
#pragma once

#include <nlohmann/json.hpp>

#include "runbook/runbook.h"

namespace hort {

[[nodiscard]] nlohmann::json RunbookJson(const Runbook& rb);

}  // namespace hort
