// Which PersistentVolumeClaims of the cluster a catalog protects: none of
// K8up, Velero or Longhorn tells a homelab that a new PVC has no backup
// policy. `hort kube coverage`, the hort_unprotected_pvcs metric and its
// alert read this.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "kube/client.h"

namespace hort {

struct PvcCoverage {
  std::string ns, name;
  std::string size;           // requested storage ("10Gi"), else the bound capacity
  std::string storage_class;  // "" when none
  std::string phase;          // Bound, Pending …
  std::vector<std::string> pods, nodes;  // using it now (sorted, unique)
  std::vector<std::string> protected_by; // "<service>/<layer>/<entry>"
  bool namespace_in_catalog = false;     // some service lives in its namespace

  [[nodiscard]] bool Protected() const { return !protected_by.empty(); }
};

struct CoverageReport {
  std::vector<PvcCoverage> pvcs;  // unprotected first, then by namespace and name
  // Namespaces that hold PVCs but no catalog service at all.
  std::vector<std::string> unprotected_namespaces;
  [[nodiscard]] size_t UnprotectedCount() const;
};

// From the cluster's PVC and Pod lists (items as the API returns them) and
// the catalog (nullptr: nothing is protected).
[[nodiscard]] CoverageReport ComputeCoverage(const std::vector<nlohmann::json>& pvcs,
                                             const std::vector<nlohmann::json>& pods, const Catalog* catalog);

// Lists every PVC and Pod of the cluster and computes the report.
[[nodiscard]] Result<CoverageReport> CollectCoverage(kube::Client& client, const Catalog* catalog);

// What /metrics shows of the cluster: taken by `hort metrics` once and by
// `hort serve` every few minutes, when the catalog names a cluster.
struct CoverageSample {
  bool ok = false;  // the cluster answered
  size_t pvcs = 0, unprotected = 0;
  std::string error;  // one line when !ok
};
// Whether metrics should ask a cluster: the catalog's `kubernetes:` key, or hort runs in a pod.
[[nodiscard]] bool CatalogNamesCluster(const Catalog& catalog);
[[nodiscard]] CoverageSample SampleCoverage(const Catalog& catalog);

[[nodiscard]] nlohmann::json CoverageJson(const CoverageReport& report);

}  // namespace hort
