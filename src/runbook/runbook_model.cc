#include "runbook/runbook.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "runbook/runbook_commands.h"
#include "util/strings.h"

namespace hort {

const char* ScenarioKey(Scenario s) {
  switch (s) {
    case Scenario::kFilesLost: return "files-lost";
    case Scenario::kNamespaceDeleted: return "namespace-deleted";
    case Scenario::kVolumeLost: return "volume-lost";
    case Scenario::kClusterLost: return "cluster-lost";
  }
  return "files-lost";
}

RestoreTestSpec::Type ScenarioTestType(Scenario s) {
  switch (s) {
    case Scenario::kFilesLost: return RestoreTestSpec::Type::kFiles;
    case Scenario::kNamespaceDeleted: return RestoreTestSpec::Type::kResources;
    case Scenario::kVolumeLost: return RestoreTestSpec::Type::kVolume;
    case Scenario::kClusterLost: return RestoreTestSpec::Type::kDr;
  }
  return RestoreTestSpec::Type::kFiles;
}

namespace {

class Builder {
 public:
  Builder(const Catalog& c, StateStore& state) : c_(c), state_(state) {
    config_ = std::filesystem::absolute(c.path).lexically_normal().string();
  }

  Result<ServiceRunbook> Service(const hort::Service& s) {
    ServiceRunbook out{.service = &s};
    using K = RunbookCheck::Kind;
    HORT_RETURN_IF_ERROR(AddScenario(out, Scenario::kFilesLost, s.files, &Builder::FilesPoint, {K::kRestoreVerify}));
    HORT_RETURN_IF_ERROR(
        AddScenario(out, Scenario::kNamespaceDeleted, s.resources, &Builder::ResourcesPoint, {K::kDryRunClean}));
    HORT_RETURN_IF_ERROR(
        AddScenario(out, Scenario::kVolumeLost, s.volumes, &Builder::VolumePoint, {K::kBlocksChecked, K::kE2fsck}));
    for (ScenarioSection& sec : out.scenarios) {
      HORT_RETURN_IF_ERROR(AddTests(sec, &s));
    }
    return out;
  }

  // Cluster lost: every repository's groups back with `hort dr`, then each
  // service's own steps, critical first. `only` narrows the DR tests shown.
  Result<ScenarioSection> Cluster(const hort::Service* only) {
    ScenarioSection sec{.scenario = Scenario::kClusterLost};
    HORT_RETURN_IF_ERROR(AddTests(sec, only));
    std::vector<std::string> repos;
    for (const CoveringTest& t : sec.tests) {
      for (const auto& r : t.spec->repositories) {
        if (std::find(repos.begin(), repos.end(), r) == repos.end()) repos.push_back(r);
      }
    }
    if (repos.empty()) {
      for (const auto& [name, spec] : c_.repositories) repos.push_back(name);
    }
    // A repository services write to that the drilled ones hold no copy of is restored too.
    const std::set<std::string> drilled = c_.CopiedInto(repos);
    auto also = [&](const std::string& repo) {
      if (!drilled.count(repo) && std::find(repos.begin(), repos.end(), repo) == repos.end()) repos.push_back(repo);
    };
    for (const hort::Service& s : c_.services) {
      if (only && only != &s) continue;  // `runbook -s S`: that service's repositories only
      for (const std::string& repo : s.Repositories()) also(repo);
    }
    for (const std::string& name : repos) {
      const RepositorySpec& repo = c_.repositories.at(name);
      RecoveryPoint p{.what = repo.url, .store = name, .s3_keys = S3KeysText(repo.credentials)};
      for (const JobSpec& job : c_.jobs) {  // the newest backup any job wrote there
        if (job.kind != JobSpec::Kind::kBackup || !job.repository || job.repository->name != name) continue;
        HORT_ASSIGN_OR_RETURN(auto run, state_.LastSuccess(job.id));
        if (run && !run->snapshot_id.empty() && run->ended > p.time) {
          p.job = job.id;
          SetId(p, *run);
        }
      }
      p.commands.push_back({StepPurpose::kDrRestore, {HortWithRepository(repo) + " --config " + ShellWord(config_) +
                                                      " dr --target " + ShellWord(Scratch("dr-restore"))}});
      sec.points.push_back(std::move(p));
    }
    std::vector<const hort::Service*> order;
    for (const hort::Service& s : c_.services) {
      if (!only || only == &s) order.push_back(&s);
    }
    std::stable_sort(order.begin(), order.end(), [](const hort::Service* a, const hort::Service* b) {
      return static_cast<int>(a->classification) < static_cast<int>(b->classification);
    });
    for (const hort::Service* s : order) sec.order.push_back(s->name);
    sec.checks.push_back({.kind = RunbookCheck::Kind::kDrVerified});
    if (only) sec.responsible = only->owner;
    if (!sec.tests.empty() && !sec.tests.front().spec->responsible.empty()) sec.responsible = sec.tests.front().spec->responsible;
    return sec;
  }

 private:
  // A scenario section when the service has entries of its kind: one recovery
  // point per entry, then hort's own checks (the tests' are added later).
  template <class Entry>
  Status AddScenario(ServiceRunbook& out, Scenario scenario, const std::vector<Entry>& entries,
                     Result<RecoveryPoint> (Builder::*point)(const hort::Service&, const Entry&),
                     std::vector<RunbookCheck::Kind> checks) {
    if (entries.empty()) return Status::Ok();
    ScenarioSection sec{.scenario = scenario};
    for (const Entry& e : entries) {
      HORT_ASSIGN_OR_RETURN(RecoveryPoint p, (this->*point)(*out.service, e));
      sec.points.push_back(std::move(p));
    }
    for (RunbookCheck::Kind k : checks) sec.checks.push_back({.kind = k});
    out.scenarios.push_back(std::move(sec));
    return Status::Ok();
  }

  std::string Scratch(const std::string& name) const {
    return (std::filesystem::path(c_.work_dir) / "runbook" / name).string();
  }

  static void SetId(RecoveryPoint& p, const RunRecord& run) {
    p.id = run.snapshot_id;
    p.short_id = run.snapshot_id.size() == 64 ? run.snapshot_id.substr(0, 8) : run.snapshot_id;
    p.time = run.ended;
  }

  // The newest successful run of the entry's job, as the daemon recorded it.
  Status FromState(RecoveryPoint& p) {
    HORT_ASSIGN_OR_RETURN(auto run, state_.LastSuccess(p.job));
    if (run && !run->snapshot_id.empty()) SetId(p, *run);
    return Status::Ok();
  }

  Result<RecoveryPoint> FilesPoint(const hort::Service& s, const FilesEntry& e) {
    const RepositorySpec& repo = c_.repositories.at(e.repository);
    const std::vector<std::string> paths = e.SnapshotPaths(s.ns);
    RecoveryPoint p{.job = s.name + "/files/" + e.name, .what = Join(paths, " "), .store = repo.name,
                    .s3_keys = S3KeysText(repo.credentials)};
    HORT_RETURN_IF_ERROR(FromState(p));
    const std::string hort = HortWithRepository(repo);
    std::string series = " --host " + ShellWord(s.ns);
    for (const auto& path : paths) series += " --path " + ShellWord(path);
    // Nothing recorded yet: the series' newest snapshot in the repository.
    const std::string id = p.id.empty() ? "latest" + series : p.short_id;
    if (e.kind == FilesEntry::Kind::kDump) {
      // dump has no --host/--path filter: without a recorded ID the list below names one.
      if (p.id.empty()) {
        p.commands.push_back({StepPurpose::kListSnapshots, {hort + " snapshots" + series}});
        return p;
      }
      const std::string folder = Scratch(s.name);
      p.commands.push_back({StepPurpose::kDumpToFile,
                            {"mkdir -p " + ShellWord(folder),
                             hort + " dump " + p.short_id + " " + ShellWord(paths.front()) +
                                 " > " + ShellWord(folder + paths.front())}});
    } else if (e.kind != FilesEntry::Kind::kK8upAnnotations) {
      const std::string target = ShellWord(Scratch(s.name + "/" + e.name));  // restore makes the target, not its parents
      p.commands.push_back({StepPurpose::kRestoreToFolder,
                            {"mkdir -p " + target, hort + " restore " + id + " --target " + target + " --verify"}});
      if (e.kind == FilesEntry::Kind::kPvc) {
        p.commands.push_back({StepPurpose::kRestoreToClaim, {"hort --config " + ShellWord(config_) + " restore " + id +
                                                             " --to-pvc " + ShellWord(s.ns + "/" + e.pvc)}});
      }
    }
    p.commands.push_back({StepPurpose::kListSnapshots, {hort + " snapshots" + series}});
    return p;
  }

  Result<RecoveryPoint> ResourcesPoint(const hort::Service& s, const ResourcesEntry& e) {
    const RepositorySpec& repo = c_.repositories.at(e.repository);
    RecoveryPoint p{.job = s.name + "/resources/" + e.name, .what = e.SnapshotPath(), .store = repo.name,
                    .s3_keys = S3KeysText(repo.credentials)};
    HORT_RETURN_IF_ERROR(FromState(p));
    const std::string restore = HortWithRepository(repo) + " --config " + ShellWord(config_) + " resources restore " +
                                (p.id.empty() ? "latest --host " + ShellWord(s.ns) + " --path " + ShellWord(e.SnapshotPath()) : p.short_id);
    if (e.cluster_wide) {  // cluster-scoped objects: no namespace to map into a scratch copy
      p.commands.push_back({StepPurpose::kResourcesDryRun, {restore + " --dry-run"}});
    } else {
      std::vector<std::string> mappings, scratch;
      for (const auto& ns : e.namespaces) {
        mappings.push_back(ns + ":" + ns + "-restore-test");
        scratch.push_back(ns + "-restore-test");
      }
      const std::string mapped = restore + " --namespace-mappings " + ShellWord(Join(mappings, ","));
      p.commands.push_back({StepPurpose::kResourcesDryRun, {mapped + " --dry-run"}});
      std::vector<std::string> look{mapped};
      for (const auto& ns : scratch) look.push_back("kubectl get all -n " + ShellWord(ns));
      look.push_back("kubectl delete namespace " + Join(scratch, " "));
      p.commands.push_back({StepPurpose::kResourcesIntoScratch, look});
    }
    p.commands.push_back({StepPurpose::kResourcesInPlace, {restore}});
    return p;
  }

  Result<RecoveryPoint> VolumePoint(const hort::Service& s, const VolumesEntry& e) {
    const VolumeStoreSpec& store = c_.volume_stores.at(e.store);
    RecoveryPoint p{.job = s.name + "/volumes/" + e.name, .what = e.volume, .store = store.name,
                    .s3_keys = S3KeysText(store.credentials), .longhorn_ui = true};
    HORT_ASSIGN_OR_RETURN(auto stats, state_.AllVolumeStats());
    for (const VolumeStats& v : stats) {  // the store's own record: the volume's name behind a pvc too
      if (v.job != p.job || v.store != store.name) continue;
      p.what = v.volume;
      if (!v.last_backup.empty()) {
        p.id = p.short_id = v.last_backup;
        p.time = static_cast<double>(v.last_backup_time);
      }
    }
    if (p.id.empty()) HORT_RETURN_IF_ERROR(FromState(p));
    // A pvc entry never backed up: the Longhorn volume is known only to the cluster.
    const std::string volume = p.what.empty() ? "<Longhorn volume of " + s.ns + "/" + e.pvc + ">" : p.what;
    const std::string image = Scratch(s.name + "/" + e.name + ".img");
    p.commands.push_back({StepPurpose::kVolumeRestore,
                          {"mkdir -p " + ShellWord(Scratch(s.name)), HortVolumes(store, "restore") + " --volume " + ShellWord(volume) +
                               (p.id.empty() ? "" : " --backup " + p.id) + " --to " + ShellWord(image),
                           "e2fsck -fn " + ShellWord(image)}});
    p.commands.push_back({StepPurpose::kVolumeList, {HortVolumes(store, "ls") + " --volume " + ShellWord(volume)}});
    return p;
  }

  // The plan's tests of the scenario's type that restore the service's data
  // (Catalog::TestCovers), each with its last run.
  Status AddTests(ScenarioSection& sec, const hort::Service* s) {
    for (const RestoreTestSpec& t : c_.tests) {
      if (t.type != ScenarioTestType(sec.scenario)) continue;
      const bool covers = !s || c_.TestCovers(t, *s);
      if (!covers) continue;
      CoveringTest ct{.spec = &t};
      HORT_ASSIGN_OR_RETURN(ct.last, state_.LastTest(t.id));
      ct.rto_seconds = s && s->rto_seconds ? s->rto_seconds : ct.last ? ct.last->rto_target_seconds : t.RtoTarget();
      if (sec.scenario != Scenario::kClusterLost) AddChecks(sec, t);
      sec.tests.push_back(std::move(ct));
    }
    if (sec.scenario != Scenario::kClusterLost) {
      sec.responsible = s->owner;
      if (!sec.tests.empty() && !sec.tests.front().spec->responsible.empty()) {
        sec.responsible = sec.tests.front().spec->responsible;
      }
    }
    return Status::Ok();
  }

  static void AddChecks(ScenarioSection& sec, const RestoreTestSpec& t) {
    const bool objects = t.type == RestoreTestSpec::Type::kResources;
    for (const auto& x : t.validate.expect) {
      sec.checks.push_back({.kind = objects ? RunbookCheck::Kind::kExpectObject : RunbookCheck::Kind::kExpectPath,
                            .value = x, .test = t.id});
    }
    if (t.validate.min_files) {
      sec.checks.push_back({.kind = RunbookCheck::Kind::kMinFiles, .value = std::to_string(t.validate.min_files), .test = t.id});
    }
    if (t.validate.min_bytes) {
      sec.checks.push_back({.kind = RunbookCheck::Kind::kMinBytes, .value = std::to_string(t.validate.min_bytes), .test = t.id});
    }
    for (const SmokeCommand& cmd : t.validate.commands) {
      sec.checks.push_back({.kind = RunbookCheck::Kind::kSmoke, .value = cmd.run, .contains = cmd.output_contains, .test = t.id});
    }
  }

  const Catalog& c_;
  StateStore& state_;
  std::string config_;
};

}  // namespace

Result<Runbook> BuildRunbook(const Catalog& catalog, StateStore& state, double now, const std::string& only_service) {
  const Service* only = nullptr;
  if (!only_service.empty()) {
    only = catalog.FindService(only_service);
    if (!only) {
      std::vector<std::string> names;
      for (const Service& s : catalog.services) names.push_back(s.name);
      return Status(Code::kNotFound, "no service \"" + only_service + "\" in " + catalog.path + " (services: " +
                                         (names.empty() ? "none" : Join(names, ", ")) + ")");
    }
  }
  Builder b(catalog, state);
  Runbook rb{.catalog_path = std::filesystem::absolute(catalog.path).lexically_normal().string(), .generated = now};
  for (const Service& s : catalog.services) {
    if (only && only != &s) continue;
    HORT_ASSIGN_OR_RETURN(ServiceRunbook sr, b.Service(s));
    rb.services.push_back(std::move(sr));
  }
  HORT_ASSIGN_OR_RETURN(rb.cluster, b.Cluster(only));
  return rb;
}

}  // namespace hort
