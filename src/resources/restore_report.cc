#include "resources/restore_report.h"

#include "kube/json_fields.h"

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

namespace {

constexpr const char* kHidden = "(secret value hidden)";

// A Secret's places that hold or copy its values: data and stringData, and
// the annotations (kubectl's last-applied-configuration is the whole Secret,
// with its values; other tools keep such copies there too).
constexpr const char* kSecretPlaces[] = {"/data", "/stringData", "/metadata/annotations"};

// Keys stay (they say what differs), values go.
void HideValuesOf(Json& node) {
  if (!node.is_object()) {
    node = kHidden;
    return;
  }
  for (auto& [key, value] : node.items()) value = kHidden;
}

// `value` as it would stand at `path` of a Secret, with every value of the
// secret places at or below that path hidden.
Json SecretShown(const std::string& path, Json value) {
  for (const std::string place : kSecretPlaces) {
    if (path == place) {
      HideValuesOf(value);
    } else if (path.rfind(place + "/", 0) == 0) {
      return kHidden;
    } else if (path.empty() || place.rfind(path + "/", 0) == 0) {
      const Json::json_pointer below(place.substr(path.size()));
      if (value.contains(below)) HideValuesOf(value.at(below));
    }
  }
  return value;
}

}  // namespace

std::vector<std::string> FieldDiff(const Json& live, const Json& desired) {
  std::vector<std::string> out;
  // A Secret's values never reach the output (a dry run's report is printed
  // and may be kept): its data paths are named, their values hidden.
  const bool secret = kube::StringAt(desired, "/kind") == "Secret" || kube::StringAt(live, "/kind") == "Secret";
  auto show = [&](const std::string& path, const Json& v) -> std::string {
    const Json shown = secret ? SecretShown(path, v) : v;
    if (shown == kHidden) return kHidden;
    return shown.dump(-1, ' ', false, Json::error_handler_t::replace);
  };
  // nlohmann's RFC 6902 diff, applied from live, yields exactly these paths.
  for (const auto& op : Json::diff(live, desired)) {
    const std::string kind = kube::StringAt(op, "/op");
    const std::string path = kube::StringAt(op, "/path");
    const Json value = op.contains("value") ? op["value"] : Json();
    if (kind == "add") {
      out.push_back("+ " + path + ": " + show(path, value));
    } else if (kind == "remove") {
      out.push_back("- " + path);
    } else if (kind == "replace") {
      // The diff's own path: through arrays too, which json_pointer walks.
      std::string old = "null";
      try {
        Json::json_pointer pointer(path);
        if (live.contains(pointer)) old = show(path, live.at(pointer));
      } catch (const Json::exception&) {
      }
      out.push_back("~ " + path + ": " + old + " -> " + show(path, value));
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
