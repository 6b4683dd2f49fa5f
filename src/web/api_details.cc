// /api/v1/tests, /repositories, /history and /runs/<id>.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>

#include "status/test_due.h"
#include "util/local_time.h"
#include "web/api.h"

namespace hort {

nlohmann::json TimeJson(double t) { return t > 0 ? nlohmann::json(FormatRfc3339(t)) : nlohmann::json(); }

std::string UrlWithoutUserInfo(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  auto host = scheme + 3;
  auto at = url.find('@', host);
  auto slash = url.find('/', host);
  if (at == std::string::npos || (slash != std::string::npos && at > slash)) return url;
  return url.substr(0, host) + url.substr(at + 1);
}

nlohmann::json SilenceUrl(const Catalog& catalog, const JobSpec* job, const std::string& test) {
  if (catalog.alertmanager_url.empty()) return nullptr;
  // The labels hort's alert rules carry (deploy/prometheus/hort-rules.yaml).
  std::vector<std::pair<std::string, std::string>> labels;
  if (!job) labels = {{"test", test}};
  else if (job->kind == JobSpec::Kind::kCheck) labels = {{"repository", job->repository->name}};
  else if (job->kind == JobSpec::Kind::kCopy) labels = {{"offsite", job->offsite->name}};
  else if (job->kind == JobSpec::Kind::kVerify) labels = {{"location", job->velero->name}};
  else labels = {{"service", job->service->name}, {"entry", job->EntryName()}};
  std::string filter = "{";
  for (const auto& [k, v] : labels) filter += (filter.size() > 1 ? "," : "") + k + "=\"" + v + "\"";
  filter += "}";
  std::string encoded;
  for (unsigned char c : filter) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') encoded += static_cast<char>(c);
    else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      encoded += buf;
    }
  }
  std::string base = catalog.alertmanager_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/#/silences/new?filter=" + encoded;
}

nlohmann::json RunRowJson(const RunRecord& r) {
  return {{"id", r.id},
          {"job", r.job},
          {"trigger", r.trigger},
          {"started", TimeJson(r.started)},
          {"ended", TimeJson(r.ended)},
          {"duration_seconds", r.ended > 0 ? nlohmann::json(r.ended - r.started) : nlohmann::json()},
          {"result", RunResultName(r.result)},
          {"bytes_added", r.bytes_added},
          {"files", r.files},
          {"snapshot_id", r.snapshot_id},
          {"error", r.error}};
}

namespace {

nlohmann::json TestRowJson(const TestRecord& t) {
  return {{"id", t.id},
          {"test", t.test},
          {"type", t.type},
          {"trigger", t.trigger},
          {"responsible", t.responsible},
          {"started", TimeJson(t.started)},
          {"ended", TimeJson(t.ended)},
          {"result", RunResultName(t.result)},
          {"restore_seconds", t.restore_seconds},
          {"rto_target_seconds", t.rto_target_seconds},
          {"rto_met", t.rto_target_seconds == 0 || t.restore_seconds <= static_cast<double>(t.rto_target_seconds)},
          {"bytes", t.bytes},
          {"files", t.files},
          {"snapshots", t.snapshots},
          {"findings", t.findings}};
}

}  // namespace

Result<nlohmann::json> TestsJson(const ApiInput& in) {
  HORT_ASSIGN_OR_RETURN(auto plan, BuildTestPlan(in.catalog, in.state, in.now));
  // Overdue first (most overdue on top), then the rest by when they fall due.
  std::stable_sort(plan.begin(), plan.end(), [](const TestPlanEntry& a, const TestPlanEntry& b) {
    if (a.due != b.due) return a.due;
    return a.due ? a.late_seconds > b.late_seconds : a.next_due < b.next_due;
  });
  nlohmann::json tests = nlohmann::json::array();
  for (const TestPlanEntry& e : plan) {
    const RestoreTestSpec& t = *e.spec;
    tests.push_back({{"test", t.id},
                     {"type", TestTypeName(t.type)},
                     {"scope", t.scope},
                     {"responsible", t.responsible},
                     {"auto", t.auto_run},
                     {"every", t.every},
                     {"rto_target_seconds", t.RtoTarget()},
                     {"next_due", TimeJson(e.next_due)},
                     {"due", e.due},
                     {"late_seconds", static_cast<int64_t>(e.late_seconds)},
                     {"last", e.last ? TestRowJson(*e.last) : nlohmann::json()},
                     {"last_pass", TimeJson(e.last_pass ? e.last_pass->started : 0)},
                     {"silence_url", SilenceUrl(in.catalog, nullptr, t.id)}});
  }
  HORT_ASSIGN_OR_RETURN(auto rows, in.state.Tests("", 0, 20));
  nlohmann::json protocol = nlohmann::json::array();
  for (const TestRecord& r : rows) protocol.push_back(TestRowJson(r));
  return nlohmann::json{{"tests", tests}, {"protocol", protocol}};
}

Result<nlohmann::json> RepositoriesJson(const ApiInput& in) {
  HORT_ASSIGN_OR_RETURN(auto stats, in.state.AllRepoStats());
  nlohmann::json repos = nlohmann::json::array();
  for (const auto& [name, spec] : in.catalog.repositories) {
    nlohmann::json r = {{"name", name}, {"url", UrlWithoutUserInfo(spec.url)}};
    if (auto it = stats.find(name); it != stats.end()) {
      const RepoStats& s = it->second;
      r["stats_updated"] = TimeJson(static_cast<double>(s.updated));
      r["size_bytes"] = s.size_bytes;
      r["snapshots"] = s.snapshots;
      r["locks"] = s.locks;
      r["oldest_lock_age_seconds"] = s.oldest_lock_age_seconds;
    }
    HORT_ASSIGN_OR_RETURN(auto check, in.state.LastRun("check/" + name));
    r["last_check"] = check ? RunRowJson(*check) : nlohmann::json();
    nlohmann::json copies = nlohmann::json::array();
    for (const OffsiteSpec& o : in.catalog.offsite) {
      if (o.from != name) continue;
      HORT_ASSIGN_OR_RETURN(auto ok, in.state.LastSuccess("offsite/" + o.name));
      copies.push_back({{"name", o.name}, {"to", o.to}, {"last_success", TimeJson(ok ? ok->ended : 0)},
                        {"age_seconds", ok ? nlohmann::json(static_cast<int64_t>(in.now - ok->ended)) : nlohmann::json()},
                        {"rpo_seconds", o.rpo_seconds}});
    }
    r["offsite"] = copies;
    repos.push_back(r);
  }
  HORT_ASSIGN_OR_RETURN(auto volumes, in.state.AllVolumeStats());
  std::map<std::string, nlohmann::json> by_store;
  for (const VolumeStats& v : volumes) {
    by_store[v.store].push_back({{"volume", v.volume}, {"job", v.job}, {"last_backup", v.last_backup},
                                 {"last_backup_time", TimeJson(static_cast<double>(v.last_backup_time))},
                                 {"size_bytes", v.size_bytes}, {"backups", v.backups},
                                 {"bytes_uploaded", v.bytes_uploaded},
                                 {"verify_result", v.verify_result < 0 ? "not verified" : v.verify_result ? "ok" : "damage"},
                                 {"verified", TimeJson(static_cast<double>(v.verified))}});
  }
  nlohmann::json stores = nlohmann::json::array();
  for (const auto& [name, spec] : in.catalog.volume_stores) {
    stores.push_back({{"name", name}, {"url", UrlWithoutUserInfo(spec.url)},
                      {"volumes", by_store.count(name) ? by_store[name] : nlohmann::json::array()}});
  }
  HORT_ASSIGN_OR_RETURN(auto velero, in.state.AllVeleroStats());
  nlohmann::json locations = nlohmann::json::array();
  for (const auto& [name, v] : velero) {
    locations.push_back({{"name", name}, {"verified", TimeJson(static_cast<double>(v.updated))}, {"backups", v.backups},
                         {"failed", v.failed}, {"newest_name", v.newest_name},
                         {"newest_completed", TimeJson(static_cast<double>(v.newest_completed))}, {"level", v.level}});
  }
  return nlohmann::json{{"repositories", repos}, {"volume_stores", stores}, {"velero_locations", locations}};
}

Result<nlohmann::json> HistoryJson(const ApiInput& in, int days) {
  if (days < 1 || days > 366) return Status(Code::kInvalidArgument, "days must be 1..366");
  const double since = in.now - days * 86400.0;
  HORT_ASSIGN_OR_RETURN(auto rows, in.state.Runs("", since, 1000000));
  std::map<std::string, nlohmann::json> by_job;
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) {  // oldest first
    nlohmann::json r = RunRowJson(*it);
    r.erase("job");
    r.erase("snapshot_id");
    by_job[it->job].push_back(std::move(r));
  }
  nlohmann::json entries = nlohmann::json::array();
  for (const JobSpec& job : in.catalog.jobs) {
    auto it = by_job.find(job.id);
    entries.push_back({{"job", job.id}, {"runs", it == by_job.end() ? nlohmann::json::array() : it->second}});
  }
  return nlohmann::json{{"days", days}, {"since", TimeJson(since)}, {"entries", entries}};
}

Result<nlohmann::json> RunJson(const ApiInput& in, int64_t id) {
  HORT_ASSIGN_OR_RETURN(auto run, in.state.RunById(id));
  if (!run) return Status(Code::kNotFound, "no run " + std::to_string(id));
  nlohmann::json j = RunRowJson(*run);
  j.update({{"kind", run->kind}, {"service", run->service}, {"layer", run->layer}, {"repository", run->repository},
            {"attempt", run->attempt}, {"error_code", run->error_code ? CodeName(*run->error_code) : ""}});
  HORT_ASSIGN_OR_RETURN(auto lines, in.state.RunLog(id));
  nlohmann::json log = nlohmann::json::array();
  for (const RunLogLine& l : lines) log.push_back({{"time", TimeJson(l.time)}, {"line", l.line}});
  j["log"] = log;
  if (in.progress && run->result == RunResult::kRunning) {
    for (const ProgressView& p : in.progress->Running()) {
      if (p.run_id == id) j["progress"] = {{"bytes_done", p.bytes_done}, {"files_done", p.files_done}, {"current", p.current}};
    }
  }
  return j;
}

}  // namespace hort
