// The dashboard's JSON API (/api/v1/…, documented in docs/dashboard.md):
// what `hort status`, the restore-test plan and the state know, shaped for
// the page. The page uses only these; anyone else may too.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "catalog/catalog.h"
#include "jobs/live_progress.h"
#include "state/state.h"

namespace hort {

struct ApiInput {
  const Catalog& catalog;
  StateStore& state;
  const LiveProgress* progress = nullptr;  // null: nothing is shown running live
  double now = 0;
};

// /api/v1/overview: services with their entries, summary, running, next runs.
[[nodiscard]] Result<nlohmann::json> OverviewJson(const ApiInput& in);
// /api/v1/tests: restore tests overdue first, and the protocol's latest rows.
[[nodiscard]] Result<nlohmann::json> TestsJson(const ApiInput& in);
// /api/v1/repositories: repositories, volume stores and Velero locations.
[[nodiscard]] Result<nlohmann::json> RepositoriesJson(const ApiInput& in);
// /api/v1/history?days=N: each job's runs of the last N days, oldest first.
[[nodiscard]] Result<nlohmann::json> HistoryJson(const ApiInput& in, int days);
// /api/v1/runs/<id>: one run with its log lines (kNotFound: no such run).
[[nodiscard]] Result<nlohmann::json> RunJson(const ApiInput& in, int64_t id);

// Helpers the API's files share: RFC 3339 or null for 0.
[[nodiscard]] nlohmann::json TimeJson(double unix_seconds);
[[nodiscard]] nlohmann::json RunRowJson(const RunRecord& r);
// Alertmanager's "new silence" form for the alerts of `job` (or of restore
// test `test` when job is null), with their labels as matchers; null when
// the catalog names no Alertmanager.
[[nodiscard]] nlohmann::json SilenceUrl(const Catalog& catalog, const JobSpec* job, const std::string& test);
// A URL as the page may show it: user and password dropped.
[[nodiscard]] std::string UrlWithoutUserInfo(const std::string& url);

}  // namespace hort
