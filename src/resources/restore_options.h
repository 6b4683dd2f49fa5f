// What a restore is asked to do: Velero's RestoreSpec, reduced to what hort's
// restore engine (resources/restore_run.h) implements.
#pragma once

#include <atomic>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace hort::resources {

// Velero's existingResourcePolicy: "none" (the default) only warns about an
// in-cluster object that differs from the backup; "update" patches it.
enum class ExistingResourcePolicy { kNone, kUpdate };

// Velero's restore_controller accepts exactly these two spellings ("" = none).
[[nodiscard]] inline Result<ExistingResourcePolicy> ParseExistingResourcePolicy(std::string_view text) {
  if (text.empty() || text == "none") return ExistingResourcePolicy::kNone;
  if (text == "update") return ExistingResourcePolicy::kUpdate;
  return Status(Code::kInvalidArgument, "existing resource policy \"" + std::string(text) +
                                            "\" is neither \"none\" nor \"update\"");
}

struct RestoreOptions {
  std::string restore_name;  // value of the velero.io/restore-name label
  std::string backup_name;   // velero.io/backup-name; "" = the backup's own name
  // Source namespace → target namespace (Velero's spec.namespaceMapping).
  std::map<std::string, std::string> namespace_mapping;
  // Velero's resource names ("deployments.apps", "secrets", "deploy", "Pod"),
  // resolved through the target cluster's discovery; empty or "*" = all.
  std::vector<std::string> included_resources, excluded_resources;
  // Source namespace names (Velero: filters name the backup's namespaces); empty or "*" = all.
  std::vector<std::string> included_namespaces, excluded_namespaces;
  std::string label_selector;  // "" = every item
  ExistingResourcePolicy existing_resource_policy = ExistingResourcePolicy::kNone;
  bool dry_run = false;        // ?dryRun=All; nothing is written
  // How long a created CRD may take to be served (Established) before its
  // custom resources fail; discovery is re-read once a second meanwhile.
  int crd_ready_timeout_seconds = 60;
  // How long a target namespace that is being deleted (Terminating) is waited
  // for before it is created anew; past it that namespace's items fail
  // (Velero's --terminating-resource-timeout, 10 minutes).
  int namespace_terminating_timeout_seconds = 600;
  // When it rises (a restore test's SIGTERM or timeout) the restore ends
  // after the item in hand; what is left is reported as not restored.
  const std::atomic<bool>* stop = nullptr;

  // The namespace an item of `source_ns` is restored into.
  [[nodiscard]] std::string MapNamespace(const std::string& source_ns) const {
    auto it = namespace_mapping.find(source_ns);
    return it == namespace_mapping.end() ? source_ns : it->second;
  }
};

}  // namespace hort::resources
