#include "status/status_model.h"

#include <algorithm>
#include <set>

namespace hort {

const char* HealthName(Health h) {
  switch (h) {
    case Health::kOk: return "OK";
    case Health::kLate: return "LATE";
    case Health::kFailed: return "FAILED";
    case Health::kNever: return "NEVER";
  }
  return "NEVER";
}

Classification RepositoryClassification(const Catalog& catalog, const std::string& repository) {
  // The repositories whose snapshots end up in `repository`: itself, and
  // each one an offsite copy (chain) carries into it (the offsite copy of
  // critical data is critical too).
  const std::set<std::string> sources = catalog.CopiedInto({repository});
  Classification best = Classification::kBestEffort;
  for (const Service& s : catalog.services) {
    const std::set<std::string> written = s.Repositories();
    const bool lands_here =
        std::any_of(written.begin(), written.end(), [&](const std::string& r) { return sources.count(r) > 0; });
    if (lands_here && static_cast<int>(s.classification) < static_cast<int>(best)) best = s.classification;
  }
  return best;
}

Classification ResourcesClassification(const Catalog& catalog) {
  std::optional<Classification> best;
  for (const Service& s : catalog.services) {
    if (!s.resources.empty()) best = std::min(best.value_or(s.classification), s.classification);
  }
  return best.value_or(Classification::kImportant);
}

Result<StatusReport> BuildStatus(const Catalog& catalog, StateStore& state, double now) {
  StatusReport report;
  std::vector<std::string> ids;
  for (const JobSpec& job : catalog.jobs) ids.push_back(job.id);
  // Every job in one read: one query per job was most of the overview's time.
  HORT_ASSIGN_OR_RETURN(auto histories, state.JobHistories(ids, kStatusRunWindow));
  HORT_ASSIGN_OR_RETURN(auto first_seen_at, state.FirstSeen(ids, static_cast<int64_t>(now)));
  for (size_t i = 0; i < catalog.jobs.size(); ++i) {
    const JobSpec& job = catalog.jobs[i];
    JobStatus st;
    st.job = &job;
    st.layer = job.RowLabel();
    switch (job.kind) {
      case JobSpec::Kind::kBackup:
      case JobSpec::Kind::kSnapshot:
        st.service = job.service->name;
        st.entry = job.EntryName() + (job.kind == JobSpec::Kind::kSnapshot ? " snapshots" : "");
        st.classification = ClassificationName(job.service->classification);
        st.rpo_seconds = job.service->rpo_seconds;
        break;
      case JobSpec::Kind::kCheck:
        st.entry = job.repository->name;
        st.classification = ClassificationName(RepositoryClassification(catalog, job.repository->name));
        break;
      case JobSpec::Kind::kCopy:
        st.entry = job.offsite->name;
        st.classification = ClassificationName(RepositoryClassification(catalog, job.source->name));
        break;
      case JobSpec::Kind::kVerify:
        st.entry = job.velero->name;
        st.classification = ClassificationName(job.velero->classification.value_or(ResourcesClassification(catalog)));
        break;
    }
    st.expected_interval_seconds = job.schedule->TypicalInterval(static_cast<int64_t>(now));
    // A snapshot stays on the volume's own disks: the service's RPO is the
    // backups'; a snapshot job, a check and a verification are late after
    // two missed runs, a copy after its offsite rpo (else the same).
    if (job.kind == JobSpec::Kind::kCopy || job.kind == JobSpec::Kind::kVerify || job.kind == JobSpec::Kind::kSnapshot ||
        job.kind == JobSpec::Kind::kCheck) {
      const int64_t rpo = job.offsite ? job.offsite->rpo_seconds : 0;
      st.rpo_seconds = rpo ? rpo : 2 * st.expected_interval_seconds;
    }
    JobHistory& h = histories[i];
    st.last_run = std::move(h.last_run);
    st.last_success = std::move(h.last_success);
    st.running = h.running;
    st.running_id = h.running_id;
    st.running_started = h.running_started;
    st.runs_success = h.runs_success;
    st.runs_failed = h.runs_failed;
    int64_t anchor = st.last_run ? static_cast<int64_t>(st.last_run->started) : first_seen_at[i];
    st.next_run = job.schedule->Next(anchor);
    if (st.last_success) st.age_seconds = now - st.last_success->ended;
    // A partial run saved an incomplete snapshot: shown failed with its error
    // until a complete one follows.
    if (st.last_run && st.last_run->result != RunResult::kSuccess) {
      st.health = Health::kFailed;
    } else if (!st.last_success) {
      st.health = Health::kNever;
    } else if (st.rpo_seconds > 0 && st.age_seconds > static_cast<double>(st.rpo_seconds)) {
      st.health = Health::kLate;
    } else {
      st.health = Health::kOk;
    }
    if (job.kind == JobSpec::Kind::kBackup && job.service->classification == Classification::kCritical &&
        st.health != Health::kOk) {
      report.critical_problem = true;
    }
    report.jobs.push_back(std::move(st));
  }
  return report;
}

}  // namespace hort
