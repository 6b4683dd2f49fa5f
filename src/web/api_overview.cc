// /api/v1/overview: the page people keep open.
#include <algorithm>

#include "status/status_model.h"
#include "status/summary.h"
#include "status/test_due.h"
#include "web/api.h"

namespace hort {

namespace {

// Worst wins in a service's roll-up.
int Severity(Health h) {
  switch (h) {
    case Health::kFailed: return 3;
    case Health::kLate: return 2;
    case Health::kNever: return 1;
    case Health::kOk: return 0;
  }
  return 3;
}

nlohmann::json EntryJson(const Catalog& catalog, const JobStatus& s, double now) {
  const JobSpec& job = *s.job;
  nlohmann::json j = {{"job", job.id},
                      {"kind", job.KindName()},
                      {"layer", std::string(job.layer)},
                      {"entry", s.entry},
                      {"classification", s.classification},
                      {"health", s.running ? "RUNNING" : HealthName(s.health)},
                      {"finished_health", HealthName(s.health)},
                      {"running", s.running},
                      {"last_success", TimeJson(s.last_success ? s.last_success->ended : 0)},
                      {"rpo_seconds", s.rpo_seconds},
                      {"next_run", TimeJson(static_cast<double>(s.next_run))},
                      {"overdue", !s.running && static_cast<double>(s.next_run) < now - 60},
                      {"last_error", s.LastError()},
                      {"last_run_id", s.last_run ? nlohmann::json(s.last_run->id) : nlohmann::json()},
                      {"runs_ok", s.runs_success},
                      {"runs_failed", s.runs_failed},
                      {"silence_url", SilenceUrl(catalog, &job, "")}};
  j["age_seconds"] = s.age_seconds >= 0 ? nlohmann::json(static_cast<int64_t>(s.age_seconds)) : nlohmann::json();
  j["rpo_fraction"] = s.age_seconds >= 0 && s.rpo_seconds > 0 ? nlohmann::json(s.age_seconds / static_cast<double>(s.rpo_seconds))
                                                              : nlohmann::json();
  return j;
}

nlohmann::json RunningJson(const LiveProgress* progress, const StatusReport& rep, double now) {
  nlohmann::json out = nlohmann::json::array();
  std::vector<std::string> live;
  if (progress) {
    for (const ProgressView& p : progress->Running()) {
      live.push_back(p.job);
      const double eta = EtaSeconds(p, now);
      out.push_back({{"job", p.job}, {"run_id", p.run_id}, {"started", TimeJson(p.started)},
                     {"seconds", static_cast<int64_t>(now - p.started)}, {"bytes_done", p.bytes_done},
                     {"files_done", p.files_done},
                     {"bytes_total", p.bytes_total ? nlohmann::json(p.bytes_total) : nlohmann::json()},
                     {"files_total", p.files_total ? nlohmann::json(p.files_total) : nlohmann::json()},
                     {"eta_seconds", eta >= 0 ? nlohmann::json(static_cast<int64_t>(eta)) : nlohmann::json()},
                     {"current", p.current}});
    }
  }
  // Runs of another process (`hort run` beside the daemon): what the state
  // holds (its row and start), no live counters.
  for (const JobStatus& s : rep.jobs) {
    if (s.running && std::find(live.begin(), live.end(), s.job->id) == live.end()) {
      out.push_back({{"job", s.job->id}, {"run_id", s.running_id}, {"started", TimeJson(s.running_started)},
                     {"seconds", static_cast<int64_t>(now - s.running_started)}, {"bytes_done", nullptr},
                     {"files_done", nullptr}, {"bytes_total", nullptr}, {"files_total", nullptr},
                     {"eta_seconds", nullptr}, {"current", nullptr}});
    }
  }
  return out;
}

nlohmann::json NextRunsJson(const StatusReport& rep, double now) {
  std::vector<std::pair<int64_t, std::string>> next;
  for (const JobStatus& s : rep.jobs) {
    // An overdue slot runs at the daemon's next tick; show the one after it too.
    int64_t at = static_cast<double>(s.next_run) >= now ? s.next_run : s.job->schedule->Next(static_cast<int64_t>(now));
    next.emplace_back(at, s.job->id);
  }
  std::sort(next.begin(), next.end());
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; i < next.size() && i < 10; ++i) {
    out.push_back({{"job", next[i].second}, {"at", TimeJson(static_cast<double>(next[i].first))}});
  }
  return out;
}

}  // namespace

Result<nlohmann::json> OverviewJson(const ApiInput& in) {
  HORT_ASSIGN_OR_RETURN(StatusReport rep, BuildStatus(in.catalog, in.state, in.now));
  HORT_ASSIGN_OR_RETURN(auto plan, BuildTestPlan(in.catalog, in.state, in.now));
  const auto problems = FindProblems(rep, plan, in.now);
  nlohmann::json services = nlohmann::json::array();
  for (const Service& svc : in.catalog.services) {
    nlohmann::json entries = nlohmann::json::array();
    std::optional<Health> worst;
    bool running = false;
    for (const JobStatus& s : rep.jobs) {
      if (s.job->service != &svc) continue;
      entries.push_back(EntryJson(in.catalog, s, in.now));
      if (!worst || Severity(s.health) > Severity(*worst)) worst = s.health;
      running = running || s.running;
    }
    if (entries.empty()) continue;
    services.push_back({{"name", svc.name}, {"namespace", svc.ns},
                        {"classification", ClassificationName(svc.classification)},
                        {"health", HealthName(worst.value_or(Health::kNever))}, {"running", running},
                        {"entries", entries}});
  }
  nlohmann::json maintenance = nlohmann::json::array();  // checks, copies, Velero verifies: no service
  for (const JobStatus& s : rep.jobs) {
    if (!s.job->service) maintenance.push_back(EntryJson(in.catalog, s, in.now));
  }
  nlohmann::json plist = nlohmann::json::array();
  for (const Problem& p : problems) plist.push_back({{"what", p.what}, {"kind", p.kind}, {"critical", p.critical}});
  size_t tests_due = 0;
  for (const auto& t : plan) tests_due += t.due ? 1 : 0;
  return nlohmann::json{{"now", TimeJson(in.now)},
                        {"summary", Summary(problems, rep.jobs.size())},
                        {"problems", plist},
                        {"services", services},
                        {"maintenance", maintenance},
                        {"running", RunningJson(in.progress, rep, in.now)},
                        {"next_runs", NextRunsJson(rep, in.now)},
                        {"tests_due", tests_due}};
}

}  // namespace hort
