// hort report: the documentation the strategy requires per service
// (classification, storage, RPO/RTO, last backup per layer, last restore
// test, compliance) and the test plan — rendered from live state.
#include <cstdio>
#include <optional>
#include <set>

#include "cli/json_text.h"
#include "cli/catalog_cli.h"
#include "cli/command.h"
#include "cli/table.h"
#include "cli/test_views.h"
#include "layers/layer.h"
#include "schedule/duration.h"
#include "status/status_model.h"

namespace hort::cli {
namespace {

struct ServiceRow {
  std::string repositories, last_backup, resources, volumes, last_test, compliance;  // the table's cells
  std::vector<std::string> problems;
  // What --json gives machines: names, times (0: never, or no entry of the layer), the test's row.
  std::vector<std::string> repository_names, volume_stores;
  double newest_files = 0, newest_resources = 0, newest_volumes = 0;
  std::optional<TestRecord> last;
};

// RFC 3339, or null when it never happened (or the service has no such entry).
nlohmann::json WhenJson(double t) { return t > 0 ? nlohmann::json(FormatRfc3339(t)) : nlohmann::json(nullptr); }

nlohmann::json ServiceJson(const Service& s, const ServiceRow& r) {
  nlohmann::json last_test = nullptr;
  if (r.last) {
    last_test = {{"test", r.last->test}, {"started", FormatRfc3339(r.last->started)},
                 {"result", r.last->result == RunResult::kSuccess ? "pass" : "fail"}, {"responsible", r.last->responsible}};
  }
  return {{"service", s.name}, {"namespace", s.ns}, {"classification", ClassificationName(s.classification)},
          {"storage", s.storage}, {"repositories", r.repository_names}, {"volume_stores", r.volume_stores},
          {"owner", s.owner}, {"rpo_seconds", s.rpo_seconds}, {"rto_seconds", s.rto_seconds},
          {"last_backup", WhenJson(r.newest_files)}, {"resources", WhenJson(r.newest_resources)},
          {"volumes", WhenJson(r.newest_volumes)}, {"last_restore_test", last_test}, {"compliant", r.problems.empty()},
          {"problems", r.problems}};
}

ServiceRow Describe(const Catalog& c, const Service& s, const StatusReport& status, const std::vector<TestPlanEntry>& plan) {
  ServiceRow row;
  const std::set<std::string> repos = s.Repositories();
  std::set<std::string> stores;
  for (const VolumesEntry& e : s.volumes) stores.insert(e.store);
  row.repository_names.assign(repos.begin(), repos.end());
  row.volume_stores.assign(stores.begin(), stores.end());
  for (const auto& r : repos) row.repositories += (row.repositories.empty() ? "" : ", ") + r;
  for (const auto& r : stores) row.repositories += (row.repositories.empty() ? "" : ", ") + r + " (volume store)";
  double& newest = row.newest_files;
  double& newest_resources = row.newest_resources;
  double& newest_volumes = row.newest_volumes;
  double ignored = 0;
  for (const JobStatus& j : status.jobs) {
    if (j.service != s.name) continue;
    const bool snapshots = j.job->kind == JobSpec::Kind::kSnapshot;  // in-cluster, not a backup
    double& last = snapshots ? ignored : j.layer == "resources" ? newest_resources
                                       : j.layer == "volumes"   ? newest_volumes
                                                                : newest;
    if (j.last_success && j.last_success->ended > last) last = j.last_success->ended;
    if (j.health != Health::kOk) {
      row.problems.push_back((snapshots ? j.entry : "backup " + j.entry) + " " + HealthName(j.health));
    }
  }
  row.last_backup = s.files.empty() ? "-" : newest > 0 ? FormatWhen(newest) : "never";
  row.resources = s.resources.empty() ? "-" : newest_resources > 0 ? FormatWhen(newest_resources) : "never";
  row.volumes = s.volumes.empty() ? "-" : newest_volumes > 0 ? FormatWhen(newest_volumes) : "never";
  const TestRecord* last = nullptr;
  bool planned = false;
  for (const TestPlanEntry& e : plan) {
    if (!c.TestCovers(*e.spec, s)) continue;
    planned = true;
    if (e.due) row.problems.push_back("restore test " + e.spec->id + " overdue");
    if (e.last && e.last->result == RunResult::kFailed) row.problems.push_back("restore test " + e.spec->id + " failed");
    if (e.last && (!last || e.last->started > last->started)) last = &*e.last;
  }
  if (s.files.empty() && s.resources.empty() && s.volumes.empty()) row.problems.push_back("nothing backed up");
  if (!planned) row.problems.push_back("no restore test planned");
  row.last_test = last ? FormatWhen(last->started) + " " + last->test + " " +
                             ResultWord(*last) +
                             (last->responsible.empty() ? "" : " (" + last->responsible + ")")
                       : "never";
  if (last) row.last = *last;
  row.compliance = row.problems.empty() ? "compliant" : "";
  for (const auto& p : row.problems) row.compliance += (row.compliance.empty() ? "" : "; ") + p;
  return row;
}

}  // namespace

Command AddReport(CLI::App& sub, GlobalOptions& g) {
  auto markdown = std::make_shared<bool>(false);
  sub.add_flag("--markdown", *markdown, "print Markdown (to replace the strategy document's hand-kept tables)");
  return MakeCommand(NeedsCatalog(/*state=*/true), [markdown, &g](Opened& o) {
    const Catalog& cat = *o.catalog;
    double now = NowSeconds();
    auto status = BuildStatus(cat, *o.state, now);
    if (!status.ok()) return Fail(status.status());
    auto plan = BuildTestPlan(cat, *o.state, now);
    if (!plan.ok()) return Fail(plan.status());

    Table services({"Service", "Namespace", "Classification", "Storage", "Backups in", "RPO", "RTO", "Last backup (files)",
                    "Resources", "Volumes", "Last restore test", "Compliance"});
    nlohmann::json js = nlohmann::json::array();
    for (const Service& s : cat.services) {
      ServiceRow r = Describe(cat, s, *status, *plan);
      services.Row({s.name, s.ns, ClassificationName(s.classification), s.storage, r.repositories, FormatDuration(s.rpo_seconds),
                    s.rto_seconds ? FormatDuration(s.rto_seconds) : "-", r.last_backup, r.resources, r.volumes,
                    r.last_test, r.compliance});
      js.push_back(ServiceJson(s, r));
    }
    Table tests({"ID", "Type", "Scope", "Frequency", "Responsible", "Last run", "Next due"});
    nlohmann::json jt = nlohmann::json::array();
    for (const TestPlanEntry& e : *plan) {
      const RestoreTestSpec& t = *e.spec;
      tests.Row({t.id, TestTypeName(t.type), ScopeText(t), t.every, t.responsible, LastRunText(e, true),
                 FormatWhen(e.next_due) + (e.due ? " (overdue)" : "")});
      jt.push_back(TestPlanJson(e));
    }
    if (g.json) {
      std::printf("%s\n", JsonText(nlohmann::json({{"generated", FormatRfc3339(now)}, {"services", js}, {"tests", jt}})).c_str());
      return kExitOk;
    }
    const char* h = *markdown ? "## " : "";
    std::printf("%sServices (hort report, %s)\n\n%s\n", h, FormatWhen(now).c_str(), services.Render(*markdown).c_str());
    std::printf("%sRestore test plan\n\n%s", h, tests.Render(*markdown).c_str());
    return kExitOk;
  });
}

}  // namespace hort::cli
