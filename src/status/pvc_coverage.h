// Which PersistentVolumeClaims of the cluster a catalog protects: none of
// K8up, Velero or Longhorn tells a homelab that a new PVC has no backup
// policy. `hort kube coverage`, the hort_unprotected_pvcs metric and its
// alert read this.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
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

// hort serve's sampler: one client, a sample every `interval_seconds` on a
// thread of its own, so a slow or absent cluster (exec plugins, timeouts)
// never holds up the scheduler or a stop signal.
class CoverageSampler {
 public:
  CoverageSampler(const Catalog& catalog, double interval_seconds, std::function<void(const std::string&)> log);
  ~CoverageSampler();  // stops and waits for a sample in progress
  CoverageSampler(const CoverageSampler&) = delete;
  CoverageSampler& operator=(const CoverageSampler&) = delete;
  [[nodiscard]] std::optional<CoverageSample> Latest() const;

 private:
  void Loop();
  const Catalog& catalog_;
  const double interval_;
  std::function<void(const std::string&)> log_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::optional<CoverageSample> latest_;
  std::thread thread_;
};

[[nodiscard]] nlohmann::json CoverageJson(const CoverageReport& report);

}  // namespace hort
