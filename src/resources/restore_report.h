// What a restore did (or, dry, would do) to each item, for people (text
// via the CLI) and scripts (ToJson).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hort::resources {

enum class RestoreAction {
  kCreated,
  kWouldCreate,   // dry run
  kUnchanged,     // exists and equals the backup after cleaning
  kDiffers,       // exists, differs, policy none: left alone with a warning
  kUpdated,       // exists, differs, policy update: merge-patched to the backup
  kWouldUpdate,   // dry run of kUpdated
  kSkipped,
  kFailed,
};

[[nodiscard]] const char* ActionName(RestoreAction action);  // "created", "would-create", …

struct ItemReport {
  std::string resource;  // group/resource, "deployments.apps"
  std::string ns;        // target namespace, "" for cluster-scoped
  std::string name;
  RestoreAction action = RestoreAction::kSkipped;
  std::string message;            // skip reason, error, or why a namespace was created
  std::vector<std::string> diff;  // live → backup: "+ /path: value", "- /path", "~ /path: old -> new"
};

struct RestoreReport {
  bool dry_run = false;
  std::string backup_name, restore_name;
  std::vector<ItemReport> items;  // restore order
  std::vector<std::string> warnings, errors;

  [[nodiscard]] size_t Count(RestoreAction action) const;
  [[nodiscard]] nlohmann::json ToJson() const;
};

// The field changes from `live` to `desired` as JSON pointer paths.
[[nodiscard]] std::vector<std::string> FieldDiff(const nlohmann::json& live, const nlohmann::json& desired);
// An RFC 7386 merge patch turning `from` into `to` (lists replaced whole).
[[nodiscard]] nlohmann::json MergePatchFor(const nlohmann::json& from, const nlohmann::json& to);

}  // namespace hort::resources
