// One registry of hort's layers and the kinds of jobs they run. A layer (the
// files layer today; resources and volumes next) declares here, in a file of
// its own, everything the rest of hort shows about it: its name in the
// catalog, in the state database and in metric labels, its job kinds, the
// restore-test types that exercise it, how its status rows are titled, and
// whether it runs in this build. The scheduler, the status model, the
// metrics, the CLI views and the catalog read this table instead of spelling
// layers out, so adding a layer is one new file (plus its name in
// registry.cc's list) and "not available yet" has one source.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hort::layers {

struct Layer {
  std::string_view name;   // "files": the catalog key services.<n>.<name>, the state's and metrics' `layer`
  std::string_view title;  // for people: "Files (restic snapshots)"
  std::string_view role;   // which neighbour's job it does: "K8up", "Velero", "Longhorn"
  std::vector<std::string_view> job_kinds;   // the state's and metrics' `kind` of its jobs, e.g. "backup"
  std::vector<std::string_view> test_types;  // restore-test types (tests.<id>.type) that exercise it
  // The keys its catalog entries take besides name, schedule and keep (where
  // they write: "repository" or "store"; checked even while the layer does not run).
  std::vector<std::string_view> entry_keys;
  bool available = false;                    // runs in this build; otherwise validated only
  bool tests_available = false;              // its restore-test types run in this build
};

// Jobs of a repository or store rather than of a layer (check, offsite
// copy, the verification of a Velero location): their kind names and how
// their status rows are labelled.
struct RepositoryJobKind {
  std::string_view kind;       // "check", "copy", "verify"
  std::string_view row_label;  // the status rows' layer column: "check", "offsite", "velero"
};

// Every layer, bottom-up in the order status pages list them.
[[nodiscard]] const std::vector<const Layer*>& All();
[[nodiscard]] const std::vector<RepositoryJobKind>& RepositoryJobKinds();
// nullptr when no layer has that name / runs that restore-test type.
[[nodiscard]] const Layer* Find(std::string_view name);
[[nodiscard]] const Layer* ForTestType(std::string_view test_type);
// The status row label of a repository job kind ("" if unknown).
[[nodiscard]] std::string_view RowLabelOf(std::string_view repository_job_kind);

// The one wording of a layer that is accepted in the catalog but does not
// run yet: "layer not available yet".
[[nodiscard]] std::string NotAvailable();

}  // namespace hort::layers
