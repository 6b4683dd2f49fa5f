// JSON text for output: invalid UTF-8 (file names are bytes) becomes U+FFFD,
// as Go's encoder writes it for restic, instead of nlohmann aborting.
#pragma once

#include <nlohmann/json.hpp>
#include <concepts>
#include <string>

namespace hort::cli {

[[nodiscard]] inline std::string JsonText(const nlohmann::json& j, int indent = -1) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The same for objects whose keys keep their insertion order (restic's field
// order). A template, so a braced list still means nlohmann::json.
template <class J>
  requires std::same_as<J, nlohmann::ordered_json>
[[nodiscard]] std::string JsonText(const J& j, int indent = -1) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace hort::cli
