// The resources layer's restore test (BT-VL-01, type `resources`), as steps
// the restore-test procedure calls: the latest resource snapshot of every
// resources entry in scope → restored into scratch namespaces
// <ns>-bt-<YYYYMMDD> by namespace mapping (cluster-scoped objects other than
// CRDs are left alone: a test must not touch the live cluster) → every
// object checked present → the scratch namespaces deleted, also after a
// failure or a stop.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "kube/client.h"
#include "repository/repository.h"
#include "resources/model.h"
#include "resources/restore_report.h"
#include "util/status.h"

namespace hort {

struct ResourcesTestUnit {
  std::string label;       // "<service>/resources/<entry>"
  std::string repository;
  std::string snapshot;    // short id
  resources::ResourceBackup backup;
  std::map<std::string, std::string> mapping;  // source namespace → scratch namespace
  resources::RestoreReport report;
};

// The label a restore test puts on its scratch namespaces (value: the test's ID).
inline constexpr const char* kScratchLabel = "hort/restore-test";
inline constexpr const char* kScratchLabelPointer = "hort~1restore-test";  // in a JSON pointer

class ResourcesTestSteps {
 public:
  // `open` opens a catalog repository by name (the procedure's, with its locks).
  using OpenRepo = std::function<Result<Repository*>(const std::string&)>;
  // `stop` (the procedure's SIGTERM/timeout flag) ends waits and the restore early.
  // `given`: snapshot IDs (--snapshot) restored instead of their series' latest.
  ResourcesTestSteps(const Catalog& catalog, const RestoreTestSpec& spec, OpenRepo open, int64_t now,
                     const std::atomic<bool>* stop = nullptr, std::vector<std::string> given = {});

  [[nodiscard]] Status Resolve();   // opens the cluster, finds the snapshots; writes nothing
  // Whether Resolve failed because of a --snapshot (none of the scope's, or a
  // prefix of several): the caller's mistake, refused rather than recorded.
  [[nodiscard]] bool GivenRefused() const { return given_refused_; }
  // Removes this test's leftover scratch namespaces (today's names, and any
  // bearing its label); refuses one of today's names that it did not make.
  [[nodiscard]] Status ClaimScratchNamespaces();
  [[nodiscard]] Status Restore();   // one mapped restore per unit
  // Findings, one line each: objects missing, restore failures, unmet
  // `expect` (kind/name), Deployments and StatefulSets a controller runs
  // that do not report every replica available within validate.ready_timeout.
  [[nodiscard]] std::vector<std::string> Validate();
  // What Validate could not check (no controller reported on a workload).
  [[nodiscard]] const std::vector<std::string>& notes() const { return notes_; }
  [[nodiscard]] std::vector<std::string> CleanUp();  // deletes the scratch namespaces
  // The scratch namespaces this run made, sorted (what CleanUp deletes, or --keep keeps).
  [[nodiscard]] std::vector<std::string> ScratchNamespaces() const;
  [[nodiscard]] std::string FirstScratchNamespace() const;  // $HORT_TEST_NAMESPACE for smoke commands
  [[nodiscard]] const std::vector<ResourcesTestUnit>& units() const { return units_; }
  // The objects the restore created or updated in the scratch namespaces.
  [[nodiscard]] uint64_t Objects() const;
  [[nodiscard]] const std::vector<std::string>& leftovers() const { return leftovers_; }

 private:
  [[nodiscard]] bool Stopped() const { return stop_ && stop_->load(); }
  // The restored workloads' availability (resources_workloads.cc).
  [[nodiscard]] std::vector<std::string> WaitForWorkloads(const kube::Discovery& discovery);
  const Catalog& c_;
  const RestoreTestSpec& spec_;
  OpenRepo open_;
  std::string suffix_;  // "-bt-20261203"
  std::unique_ptr<kube::Client> client_;
  std::vector<ResourcesTestUnit> units_;
  std::vector<std::string> scratch_namespaces_;
  std::vector<std::string> leftovers_;  // removed before the restore
  std::vector<std::string> notes_;
  const std::atomic<bool>* stop_;
  std::vector<std::string> given_;
  bool given_refused_ = false;
};

}  // namespace hort
