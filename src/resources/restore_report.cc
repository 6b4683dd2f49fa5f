#include "resources/restore_report.h"

namespace hort::resources {

using Json = nlohmann::json;

const char* ActionName(RestoreAction action) {
  switch (action) {
    case RestoreAction::kCreated: return "created";
    case RestoreAction::kWouldCreate: return "would-create";
    case RestoreAction::kUnchanged: return "unchanged";
    case RestoreAction::kDiffers: return "differs";
    case RestoreAction::kUpdated: return "updated";
    case RestoreAction::kWouldUpdate: return "would-update";
    case RestoreAction::kSkipped: return "skipped";
    case RestoreAction::kFailed: return "failed";
  }
  return "unknown";
}

size_t RestoreReport::Count(RestoreAction action) const {
  size_t n = 0;
  for (const auto& item : items) n += item.action == action;
  return n;
}

Json RestoreReport::ToJson() const {
  Json out = {{"dry_run", dry_run}, {"backup", backup_name}, {"restore", restore_name}};
  Json list = Json::array();
  for (const auto& item : items) {
    Json j = {{"resource", item.resource}, {"namespace", item.ns}, {"name", item.name},
              {"action", ActionName(item.action)}};
    if (!item.message.empty()) j["message"] = item.message;
    if (!item.diff.empty()) j["diff"] = item.diff;
    list.push_back(std::move(j));
  }
  out["items"] = std::move(list);
  Json counts = Json::object();
  for (int a = 0; a <= static_cast<int>(RestoreAction::kFailed); ++a) {
    auto action = static_cast<RestoreAction>(a);
    if (size_t n = Count(action)) counts[ActionName(action)] = n;
  }
  out["counts"] = std::move(counts);
  out["warnings"] = warnings;
  out["errors"] = errors;
  return out;
}

std::vector<std::string> FieldDiff(const Json& live, const Json& desired) {
  std::vector<std::string> out;
  // nlohmann's RFC 6902 diff, applied from live, yields exactly these paths.
  for (const auto& op : Json::diff(live, desired)) {
    const std::string kind = op.value("op", "");
    const std::string path = op.value("path", "");
    if (kind == "add") {
      out.push_back("+ " + path + ": " + op["value"].dump());
    } else if (kind == "remove") {
      out.push_back("- " + path);
    } else if (kind == "replace") {
      Json::json_pointer pointer(path);
      std::string old = live.contains(pointer) ? live.at(pointer).dump() : "null";
      out.push_back("~ " + path + ": " + old + " -> " + op["value"].dump());
    }
  }
  return out;
}

Json MergePatchFor(const Json& from, const Json& to) {
  if (!from.is_object() || !to.is_object()) return to;
  Json patch = Json::object();
  for (const auto& [key, value] : from.items()) {
    if (!to.contains(key)) patch[key] = nullptr;
  }
  for (const auto& [key, value] : to.items()) {
    auto it = from.find(key);
    if (it == from.end()) {
      patch[key] = value;
    } else if (*it != value) {
      patch[key] = (it->is_object() && value.is_object()) ? MergePatchFor(*it, value) : value;
    }
  }
  return patch;
}

}  // namespace hort::resources
