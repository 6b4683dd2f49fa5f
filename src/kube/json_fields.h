// Reading fields of JSON that hort did not write (API answers, pods,
// ExecCredentials) without trusting its shape: a missing field, a field of
// another type, or a path through something that is not an object gives the
// default, never an exception (nlohmann's value()/at()/get<> throw on all three).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hort::kube {

// The value at a JSON-pointer-like path ("/metadata/name"; "~1" stands for
// '/' as in RFC 6901) walking objects only, or nullptr.
[[nodiscard]] const nlohmann::json* FieldAt(const nlohmann::json& j, std::string_view path);

[[nodiscard]] std::string StringAt(const nlohmann::json& j, std::string_view path, std::string fallback = "");
[[nodiscard]] bool BoolAt(const nlohmann::json& j, std::string_view path, bool fallback = false);
[[nodiscard]] int64_t IntAt(const nlohmann::json& j, std::string_view path, int64_t fallback = 0);
// An empty array / object when the field is absent or of another type.
[[nodiscard]] const nlohmann::json& ArrayAt(const nlohmann::json& j, std::string_view path);
[[nodiscard]] const nlohmann::json& ObjectAt(const nlohmann::json& j, std::string_view path);

// An object the API server is deleting: metadata.deletionTimestamp is set
// (a namespace then also shows phase Terminating; finalizers hold it).
[[nodiscard]] inline bool BeingDeleted(const nlohmann::json& object) {
  return !StringAt(object, "/metadata/deletionTimestamp").empty();
}

}  // namespace hort::kube
