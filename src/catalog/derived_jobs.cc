#include "catalog/derived_jobs.h"

#include <ctime>
#include <string>
#include <string_view>

#include "layers/layer.h"
#include "schedule/duration.h"

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

// A backup that runs less often than its service's RPO allows is late
// between two runs every time: its status can never be OK.
void WarnUnreachableRpo(Catalog& c) {
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  for (const JobSpec& j : c.jobs) {
    if (j.kind != JobSpec::Kind::kBackup || !j.service || j.service->rpo_seconds <= 0 || !j.schedule) continue;
    const int64_t interval = j.schedule->TypicalInterval(now);
    if (interval <= j.service->rpo_seconds) continue;
    c.warnings.push_back(j.id + ": its schedule \"" + j.schedule->text() + "\" runs every " + FormatDuration(interval) +
                           ", longer than the service's rpo " + FormatDuration(j.service->rpo_seconds) +
                           ", so it can never be OK");
  }
}

}  // namespace hort
