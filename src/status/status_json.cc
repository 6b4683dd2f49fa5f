#include "status/status_json.h"

#include "util/local_time.h"

namespace hort {

nlohmann::json StatusJson(const StatusReport& rep, double now) {
  nlohmann::json jobs = nlohmann::json::array();
  for (const JobStatus& s : rep.jobs) {
    nlohmann::json j = {{"job", s.job->id},
                        {"service", s.service},
                        {"layer", s.layer},
                        {"entry", s.entry},
                        {"classification", s.classification},
                        {"status", HealthName(s.health)},
                        {"running", s.running},
                        {"rpo_seconds", s.rpo_seconds},
                        {"next_run", FormatRfc3339(static_cast<double>(s.next_run))},
                        {"overdue", static_cast<double>(s.next_run) < now - 60}};
    j["last_success"] = s.last_success ? FormatRfc3339(s.last_success->ended) : "";
    j["last_snapshot"] = s.last_success ? s.last_success->snapshot_id : "";
    j["age_seconds"] = s.age_seconds >= 0 ? nlohmann::json(static_cast<int64_t>(s.age_seconds)) : nlohmann::json();
    j["last_error"] = s.LastError();
    if (s.job->service) j["namespace"] = s.job->service->ns;
    jobs.push_back(j);
  }
  return {{"jobs", jobs}, {"critical_problem", rep.critical_problem}};
}

}  // namespace hort
