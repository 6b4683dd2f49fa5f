// The scheduled verification of a Velero backup storage location (the
// strategy's TODO "automatische Validierung von Velero-Backups"): every
// backup up the ladder to velero.verify.level, the figures kept in the state
// for /metrics, the job failed when a backup fails or the newest Completed
// one is older than the location's RPO.
#include <ctime>

#include "jobs/jobs.h"
#include "objstore/open_store.h"
#include "resources/verify_location.h"

namespace hort {

Result<std::unique_ptr<ObjectStore>> OpenVeleroLocation(const VeleroLocationSpec& spec) {
  StoreOptions so;
  so.extended = spec.options;
  so.cacert = spec.cacert;
  so.insecure_tls = spec.insecure_tls;
  so.credentials = spec.credentials;
  auto store = OpenStore(spec.url, so);
  if (!store.ok()) return store.status().Annotate("Velero location " + spec.name);
  return store;
}

Result<kube::Client*> CatalogKube(const Catalog& catalog, const JobContext& ctx, std::unique_ptr<kube::Client>& owned) {
  if (ctx.kube) return ctx.kube;
  if (!owned) {
    HORT_ASSIGN_OR_RETURN(owned, kube::OpenClient(catalog.kubernetes));
  }
  return owned.get();
}

Status VerifyVeleroJob(const Catalog& catalog, const JobSpec& job, const JobContext& ctx, JobOutcome& out) {
  const VeleroLocationSpec& loc = *job.velero;
  resources::VerifyOptions options;
  options.max_level = catalog.velero.verify ? catalog.velero.verify->level : 4;
  std::unique_ptr<kube::Client> owned;
  if (options.max_level >= 5) {
    HORT_ASSIGN_OR_RETURN(kube::Client * client, CatalogKube(catalog, ctx, owned));
    options.replay = resources::DryRunReplay(*client);
  }
  HORT_ASSIGN_OR_RETURN(auto store, OpenVeleroLocation(loc));
  auto checked = resources::VerifyLocation(*store, options);
  if (!checked.ok()) return checked.status().Annotate("Velero location " + loc.name);
  const resources::LocationCheck& lc = *checked;
  const int64_t now = std::time(nullptr);
  if (ctx.state) {
    VeleroStats st{.location = loc.name, .updated = now, .backups = lc.backups.size(), .failed = lc.failed,
                   .newest_completed = lc.newest_completed_unix, .newest_name = lc.newest_completed,
                   .level = lc.target_level};
    (void)ctx.state->PutVeleroStats(st);  // best effort: the verdict does not depend on it
  }
  out.files = lc.backups.size();
  std::string first;
  for (const auto& c : lc.backups) {
    if (lc.NotCounted(c) && !c.problems.empty()) {
      std::string line = c.name + ": not counted, " + c.problems[0].message;
      if (ctx.log) ctx.log(job.id + ": " + line);
      out.messages.push_back(std::move(line));
    }
    if (!lc.Failed(c)) continue;
    std::string line = c.name + ": L" + std::to_string(c.level_reached + 1) + ": " +
                       (c.problems.empty() ? std::string("not reached") : c.problems[0].message);
    if (ctx.log) ctx.log(job.id + ": " + line);
    out.messages.push_back(line);
    if (first.empty()) first = line;
  }
  out.messages.push_back(std::to_string(lc.backups.size() - lc.failed) + " of " + std::to_string(lc.backups.size()) +
                         " backups reach L" + std::to_string(lc.target_level));
  if (!lc.layout.empty()) return Status(Code::kCorruption, "Velero location " + loc.name + ": " + lc.layout[0].message);
  if (lc.failed > 0) {
    return Status(Code::kCorruption, std::to_string(lc.failed) + " of " + std::to_string(lc.backups.size()) +
                                         " Velero backups fail verification, first " + first);
  }
  if (loc.rpo_seconds > 0 && (lc.newest_completed_unix == 0 || now - lc.newest_completed_unix > loc.rpo_seconds)) {
    return Status(Code::kCorruption,
                  lc.newest_completed_unix == 0
                      ? "no Completed Velero backup at " + store->Location()
                      : "the newest Completed Velero backup " + lc.newest_completed + " finished " +
                            std::to_string((now - lc.newest_completed_unix) / 3600) + " h ago, older than the RPO of " +
                            std::to_string(loc.rpo_seconds / 3600) + " h");
  }
  return Status::Ok();
}

}  // namespace hort
