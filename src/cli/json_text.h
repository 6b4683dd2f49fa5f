// JSON text for output: invalid UTF-8 (file names are bytes) becomes U+FFFD,
// as Go's encoder writes it for restic, instead of nlohmann aborting.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace hort::cli {

[[nodiscard]] inline std::string JsonText(const nlohmann::json& j, int indent = -1) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace hort::cli
