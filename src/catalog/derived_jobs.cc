#include "catalog/derived_jobs.h"

#include <ctime>
#include <string>
#include <string_view>

#include "layers/layer.h"
#include "schedule/duration.h"
#include "util/local_time.h"

namespace hort {

void DeriveJobs(Catalog& c) {
  auto& jobs = c.jobs;
  // One backup job per entry of a layer: "<service>/<layer>/<entry>".
  auto backup = [&](const Service& s, std::string_view layer, const std::string& entry, const std::string& repository,
                    const Schedule& schedule) -> JobSpec& {
    JobSpec j{JobSpec::Kind::kBackup, s.name + "/" + std::string(layer) + "/" + entry, layers::Find(layer)->name};
    j.service = &s;
    j.repository = &c.repositories.at(repository);
    j.schedule = &schedule;
    return jobs.emplace_back(j);
  };
  for (const Service& s : c.services) {
    for (const FilesEntry& e : s.files) backup(s, "files", e.name, e.repository, e.schedule).entry = &e;
    for (const ResourcesEntry& e : s.resources) backup(s, "resources", e.name, e.repository, e.schedule).resources = &e;
    for (const VolumesEntry& e : s.volumes) {
      JobSpec j{JobSpec::Kind::kBackup, s.name + "/volumes/" + e.name, layers::Find("volumes")->name};
      j.service = &s;
      j.volumes = &e;
      j.store = &c.volume_stores.at(e.store);
      j.schedule = &e.schedule;
      jobs.push_back(j);
      if (!e.snapshots) continue;
      j.kind = JobSpec::Kind::kSnapshot;
      j.id += "/snapshots";
      j.store = nullptr;
      j.schedule = &e.snapshots->schedule;
      jobs.push_back(j);
    }
  }
  for (const auto& [name, r] : c.repositories) {
    if (!r.check) continue;
    JobSpec j{JobSpec::Kind::kCheck, "check/" + name};
    j.repository = &r;
    j.schedule = &r.check->schedule;
    jobs.push_back(j);
  }
  for (const OffsiteSpec& o : c.offsite) {
    JobSpec j{JobSpec::Kind::kCopy, "offsite/" + o.name};
    j.offsite = &o;
    j.source = &c.repositories.at(o.from);
    j.repository = &c.repositories.at(o.to);
    j.schedule = &o.schedule;
    jobs.push_back(j);
  }
  if (!c.velero.verify) return;
  for (const auto& [name, l] : c.velero.locations) {
    JobSpec j{JobSpec::Kind::kVerify, "velero/" + name};
    j.velero = &l;
    j.schedule = &c.velero.verify->schedule;
    jobs.push_back(j);
  }
}

// A backup whose runs are further apart than its service's RPO is late
// before every run (its status can never be OK), or, when only some gaps
// are (a weekday schedule's weekend), late at those times; the same for an
// offsite copy and the rpo it names.
void WarnUnreachableRpo(Catalog& c) {
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  for (const JobSpec& j : c.jobs) {
    int64_t rpo = 0;
    std::string whose;
    if (j.kind == JobSpec::Kind::kBackup && j.service) {
      rpo = j.service->rpo_seconds;
      whose = "the service's rpo";
    } else if (j.kind == JobSpec::Kind::kCopy && j.offsite) {
      rpo = j.offsite->rpo_seconds;  // 0 (twice the interval) is reachable by design
      whose = "its rpo";
    }
    if (rpo <= 0 || !j.schedule) continue;
    // A daylight-saving night makes a daily schedule's gap 25 h once a year:
    // an hour of LATE that no schedule can avoid is not worth a warning.
    constexpr int64_t kClockShift = 3600;
    const Schedule::Gaps gaps = j.schedule->GapsAhead(now);
    const std::string head = j.id + ": its schedule \"" + j.schedule->text() + "\" ";
    if (gaps.shortest > rpo) {
      const int64_t typical = j.schedule->TypicalInterval(now);
      c.warnings.push_back(head + "runs every " + FormatDuration(typical) +
                           (gaps.longest > typical + kClockShift ? " (gaps of up to " + FormatDuration(gaps.longest) + ")" : "") +
                           ", longer than " + whose + " " + FormatDuration(rpo) + ", so it can never be OK");
    } else if (gaps.longest > rpo + kClockShift) {
      c.warnings.push_back(head + "leaves gaps of up to " + FormatDuration(gaps.longest) + " between runs, longer than " +
                           whose + " " + FormatDuration(rpo) + ", so it is LATE at times (first after the run at " +
                           FormatWhen(static_cast<double>(gaps.longest_after)) + ")");
    }
  }
}

}  // namespace hort
