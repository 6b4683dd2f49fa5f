// Prometheus text exposition (format 0.0.4) of hort's state: names and
// labels are documented in docs/metrics.md and used by
// deploy/prometheus/hort-rules.yaml and deploy/grafana/hort-backups.json.
#pragma once

#include <string>

#include "catalog/catalog.h"
#include "jobs/jobs.h"
#include "state/state.h"
#include "status/pvc_coverage.h"

namespace hort {

struct ExpositionInput {
  const Catalog* catalog = nullptr;
  StateStore* state = nullptr;
  RequestCounters* counters = nullptr;  // optional: only the daemon has them
  double now = 0;
  double started = 0;  // when the exporting process started (0: not a daemon)
  const CoverageSample* coverage = nullptr;  // the cluster's PVC coverage, when the catalog names a cluster
};

[[nodiscard]] Result<std::string> RenderMetrics(const ExpositionInput& in);

// Writes the exposition for node-exporter's textfile collector (temp + rename).
[[nodiscard]] Status WriteTextfile(const std::string& path, const std::string& text);

}  // namespace hort
