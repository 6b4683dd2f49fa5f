// One job, top-down: hooks → backup → retention → verification (backups),
// check, or copy. Failures come back as one line in the outcome; nothing
// here throws or exits.
#include <algorithm>
#include <atomic>
#include <thread>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <mutex>

#include "agent/dispatch.h"
#include "kube/permissions.h"
#include "archiver/archiver.h"
#include "archiver/scanner.h"
#include "checker/checker.h"
#include "jobs/jobs.h"
#include "jobs/local_dump.h"
#include "jobs/pod_dump.h"
#include "resources/collect.h"
#include "resources/snapshot_io.h"
#include "policy/snapshot_retention.h"
#include "prune/prune.h"
#include "replication/copy.h"
#include "util/subprocess.h"

namespace hort {
namespace {

// A run's backup: each unreadable item is a line of the run's log (at most
// kNamedErrors of them; a PARTIAL run said how many, never which), and the
// dashboard's counters when it has them.
class ProgressObserver : public BackupObserver {
 public:
  ProgressObserver(ProgressCounters* counters, std::function<void(const std::string&)> log)
      : c_(counters), log_(std::move(log)) {}
  // Called from the archiver's walkers and readers at once: one at a time here.
  void OnError(const std::string& item, const std::string& during, const Status& s) override {
    std::lock_guard lock(mu_);
    if (c_) c_->errors++;
    if (++errors_ <= kNamedErrors) log_("error: " + item + " (" + during + "): " + s.message());
    else if (errors_ == kNamedErrors + 1) log_("error: more items could not be read; the first " + std::to_string(kNamedErrors) + " are named above");
  }
  void OnItemDone(const ItemDone& item) override {
    if (item.dir || !c_) return;
    c_->items_done++;
    c_->bytes_done += item.size;
    c_->SetCurrent(item.path);
  }

 private:
  static constexpr size_t kNamedErrors = 20;
  ProgressCounters* c_;
  std::function<void(const std::string&)> log_;
  std::mutex mu_;
  size_t errors_ = 0;
};

class Job {
 public:
  Job(const Catalog& catalog, const JobSpec& spec, const JobContext& ctx) : c_(catalog), j_(spec), ctx_(ctx) {}

  JobOutcome Run() {
    Status s;
    switch (j_.kind) {
      case JobSpec::Kind::kBackup: s = Backup(); break;
      case JobSpec::Kind::kCheck: s = Check(); break;
      case JobSpec::Kind::kCopy: s = Copy(); break;
      case JobSpec::Kind::kVerify: s = VerifyVeleroJob(c_, j_, ctx_, out_); break;
      case JobSpec::Kind::kSnapshot: s = RunVolumesJob(c_, j_, ctx_, out_); break;
    }
    out_.status = s;
    return out_;
  }

 private:
  void Log(const std::string& line) {
    out_.messages.push_back(line);
    if (ctx_.log) ctx_.log(j_.id + ": " + line);
  }

  std::map<std::string, std::string> HookEnv() const {
    std::map<std::string, std::string> env{{"HORT_JOB", j_.id}};
    if (j_.service) {
      env["HORT_SERVICE"] = j_.service->name;
      env["HORT_NAMESPACE"] = j_.service->ns;
    }
    return env;
  }

  Status RunHooks(const std::vector<std::string>& commands, const char* phase, std::map<std::string, std::string> env) {
    for (const auto& cmd : commands) {
      HORT_ASSIGN_OR_RETURN(CommandResult r, RunShellCommand(cmd, "", env, j_.entry->hooks.timeout_seconds));
      if (r.timed_out || r.exit_code != 0) {
        std::string tail = r.output.size() > 300 ? r.output.substr(r.output.size() - 300) : r.output;
        std::replace(tail.begin(), tail.end(), '\n', ' ');
        return Status(Code::kIo, std::string(phase) + " hook \"" + cmd + "\" " +
                                     (r.timed_out ? "timed out" : "failed with exit code " + std::to_string(r.exit_code)) +
                                     (tail.empty() ? "" : ": " + tail));
      }
      Log(std::string(phase) + " hook ok: " + cmd);
    }
    return Status::Ok();
  }

  Status Backup() {
    if (j_.resources) return ResourcesBackup();
    if (j_.volumes) return RunVolumesJob(c_, j_, ctx_, out_);
    const FilesEntry& e = *j_.entry;
    // A failing pre hook means no backup, but the post hooks still run: a
    // pre hook that scaled the application down before a later one failed
    // must see it scaled up again (docs/config.md).
    Status s = RunHooks(e.hooks.pre, "pre", HookEnv());
    if (s.ok()) s = BackupAndMaintain();
    auto env = HookEnv();
    env["HORT_RESULT"] = s.ok() ? "success" : "failed";
    Status post = RunHooks(e.hooks.post, "post", env);
    return s.ok() ? post : s;
  }

  Status BackupAndMaintain() {
    const FilesEntry& e = *j_.entry;
    const Service& svc = *j_.service;
    BackupOptions opt;
    opt.host = svc.ns;  // K8up's identity: host = namespace
    opt.tags = ctx_.extra_tags;
    opt.excludes.patterns = e.exclude;
    opt.exclude_strings = e.exclude;
    switch (e.kind) {
      case FilesEntry::Kind::kPath: opt.targets = e.paths; break;
      case FilesEntry::Kind::kPvc:
        if (e.ViaAgent()) return AgentBackup();
        opt.targets = {e.source};
        opt.record_as = e.SnapshotPaths(svc.ns);
        break;
      case FilesEntry::Kind::kDump:
        if (!e.pod.empty()) {
          HORT_ASSIGN_OR_RETURN(kube::Client * kube, Kube());
          HORT_ASSIGN_OR_RETURN(PodDump dump, ResolveDumpPod(*kube, svc.ns, e));
          HORT_RETURN_IF_ERROR(BackupPodDump(*kube, opt, dump));
          return Finish();
        }
        return LocalDumpBackup(opt);
      case FilesEntry::Kind::kK8upAnnotations: {
        HORT_ASSIGN_OR_RETURN(kube::Client * kube, Kube());
        HORT_ASSIGN_OR_RETURN(std::vector<PodDump> dumps, FindAnnotatedDumps(*kube, svc.ns));
        Log(std::to_string(dumps.size()) + " pods annotated k8up.io/backupcommand in namespace " + svc.ns);
        for (const PodDump& d : dumps) HORT_RETURN_IF_ERROR(BackupPodDump(*kube, opt, d));
        return Finish();
      }
    }
    HORT_RETURN_IF_ERROR(BackupSeries(opt, e.SnapshotPaths(svc.ns)));
    return Finish();
  }

  // A claim without source: the agent on the node that mounts it runs the
  // backup, its retention and verification (agent/dispatch.h); serve keeps
  // the hooks and the repository's figures.
  Status AgentBackup() {
    const FilesEntry& e = *j_.entry;
    HORT_ASSIGN_OR_RETURN(kube::Client * kube, Kube());
    agent::DispatchOptions o;
    o.hort_ns = kube::HortNamespace(*kube);
    if (const char* image = std::getenv("HORT_IMAGE")) o.image = image;
    o.stop = ctx_.stop;
    o.log = [this](const std::string& line) { Log(line); };
    agent::TaskInput in{.kind = agent::TaskKind::kBackup, .job = j_.id, .ns = j_.service->ns, .pvc = e.pvc,
                        .tags = ctx_.extra_tags, .retention = ctx_.retention};
    HORT_ASSIGN_OR_RETURN(agent::TaskResult r, agent::RunOnAgent(*kube, in, o));
    out_.snapshot_id = r.snapshot;
    out_.files += r.files;
    out_.bytes_added += r.bytes;
    if (r.code != Code::kOk) return Status(r.code, r.error);
    Log("snapshot " + r.snapshot.substr(0, 8) + " saved by the agent, " + std::to_string(r.files) + " files, " +
        std::to_string(r.bytes) + " bytes added");
    return RefreshStats(*j_.repository);
  }

  // The resources layer: the entry's objects → one snapshot
  // /resources/<entry>.tar (host = namespace, tag resources) → retention.
  Status ResourcesBackup() {
    const ResourcesEntry& e = *j_.resources;
    const Service& svc = *j_.service;
    HORT_ASSIGN_OR_RETURN(kube::Client * kube, Kube());
    resources::CollectSpec spec;
    spec.namespaces = e.namespaces;
    spec.cluster_wide = e.cluster_wide;
    spec.include = e.include;
    spec.exclude = e.exclude;
    spec.require = e.require;
    spec.label_selector = e.selector;
    for (const auto& c : e.cluster) spec.cluster.push_back({.resource = c.resource, .names = c.names, .selector = c.selector});
    spec.StartNow();
    // Velero's <schedule>-<time>, the form snapshot_io recognises and leaves
    // out of the tarball, so an unchanged cluster stays the same bytes.
    spec.backup_name = resources::VeleroTimeName(e.name, spec.now);
    HORT_ASSIGN_OR_RETURN(resources::ResourceBackup backup, resources::CollectBackup(*kube, spec));
    HORT_ASSIGN_OR_RETURN(Repository * repo, Target());
    {
      HORT_ASSIGN_OR_RETURN(auto lock, Lock(*repo, false));
      HORT_RETURN_IF_ERROR(repo->LoadIndex());
      HORT_ASSIGN_OR_RETURN(resources::SavedSnapshot saved,
                            resources::SaveResourceSnapshot(*repo, backup, e.name, svc.ns, ctx_.extra_tags));
      out_.snapshot_id = saved.id;
      out_.bytes_added += saved.bytes_added;
      out_.files += saved.items;
      Log("snapshot " + saved.id.substr(0, 8) + " saved, " + std::to_string(saved.items) + " objects (" +
          backup.meta.phase + "), " + std::to_string(saved.bytes_added) + " bytes added");
      if (backup.meta.errors.Count() > 0) {
        std::string first = !backup.meta.errors.cluster.empty() ? backup.meta.errors.cluster[0]
                                                                 : backup.meta.errors.namespaces.begin()->second[0];
        return Status(Code::kPartial, std::to_string(backup.meta.errors.Count()) + " lists failed (snapshot " +
                                          saved.id.substr(0, 8) + " saved without them), first: " + first);
      }
    }
    if (ctx_.retention && !e.keep.Empty()) HORT_RETURN_IF_ERROR(Retention({e.SnapshotPath()}, svc.ns, e.keep));
    return RefreshStats(*j_.repository);
  }

  // A dump run here: its stdout is the backup's stdin; its failure names the
  // catalog's command and keeps the end of its stderr.
  Status LocalDumpBackup(BackupOptions opt) {
    const FilesEntry& e = *j_.entry;
    HORT_ASSIGN_OR_RETURN(std::unique_ptr<LocalDump> dump, LocalDump::Start(e.command));
    opt.from_stdin = true;
    opt.stdin_fd = dump->read_fd();
    opt.stdin_filename = e.SnapshotPaths(j_.service->ns)[0].substr(1);
    LocalDump* d = dump.get();
    opt.stdin_done = [d] { return d->Finish(); };
    Status st = BackupSeries(opt, e.SnapshotPaths(j_.service->ns));
    Status finished = dump->Finish();  // idempotent; the command's failure if the backup did not reach it
    HORT_RETURN_IF_ERROR(st.ok() ? finished : st);
    return Finish();
  }

  // One dump through exec: its stdout is the backup's stdin.
  Status BackupPodDump(kube::Client& kube, BackupOptions opt, const PodDump& dump) {
    const std::string path = dump.StoredPath(j_.service->ns);
    Log("dumping " + path + " from pod " + dump.pod + " (container " + dump.container + ")");
    HORT_ASSIGN_OR_RETURN(auto stream, ExecStream::Start(kube, j_.service->ns, dump));
    opt.from_stdin = true;
    opt.stdin_fd = stream->read_fd();
    opt.stdin_filename = path.substr(1);
    ExecStream* s = stream.get();
    opt.stdin_done = [s] { return s->Finish(); };
    Status st = BackupSeries(opt, {path});
    Status finished = stream->Finish();  // idempotent; reports an exec failure the backup did not reach
    return st.ok() ? finished : st;
  }

  // One snapshot series: backup, then this series' retention.
  Status BackupSeries(const BackupOptions& opt, std::vector<std::string> paths) {
    HORT_ASSIGN_OR_RETURN(Repository * repo, Target());
    {
      HORT_ASSIGN_OR_RETURN(auto lock, Lock(*repo, false));
      HORT_RETURN_IF_ERROR(repo->LoadIndex());
      ProgressObserver observer(ctx_.progress, [this](const std::string& line) { Log(line); });
      // Totals for the dashboard's percentage and ETA: a scanner beside the
      // backup, as `hort backup` on a terminal and restic do.
      std::atomic<bool> stop_scan{false};
      std::thread scanner;
      if (ctx_.progress && !opt.from_stdin) {
        scanner = std::thread([&] { ScanTargets(opt.targets, opt.excludes, ctx_.progress, &stop_scan); });
      }
      auto backup = RunBackup(*repo, opt, &observer);
      stop_scan = true;
      if (scanner.joinable()) scanner.join();
      HORT_ASSIGN_OR_RETURN(BackupResult b, std::move(backup));
      out_.snapshot_id = b.snapshot_id.Hex();
      out_.bytes_added += b.summary.data_added;
      out_.files += b.summary.total_files_processed;
      Log("snapshot " + b.snapshot_id.Short() + " saved, " + std::to_string(b.summary.total_files_processed) +
          " files, " + std::to_string(b.summary.data_added) + " bytes added");
      if (b.errors > 0) {
        return Status(Code::kPartial, std::to_string(b.errors) + " source items could not be read (snapshot " +
                                          b.snapshot_id.Short() + " saved without them)");
      }
    }
    const FilesEntry& e = *j_.entry;
    if (ctx_.retention && !e.keep.Empty()) HORT_RETURN_IF_ERROR(Retention(std::move(paths), opt.host, e.keep));
    return Status::Ok();
  }

  // After every series of the entry: verification and statistics.
  Status Finish() {
    const FilesEntry& e = *j_.entry;
    if (e.verify.enabled) HORT_RETURN_IF_ERROR(Verify(e.verify.read_data_subset));
    return RefreshStats(*j_.repository);
  }

  // The cluster, opened once per job (or the context's, e.g. a test's in-memory one).
  Result<kube::Client*> Kube() { return CatalogKube(c_, ctx_, kube_); }

  // forget (this entry's host/paths group only) and prune, under an exclusive lock.
  Status Retention(std::vector<std::string> paths, const std::string& host, const ExpirePolicy& keep) {
    HORT_ASSIGN_OR_RETURN(Repository * repo, Target());
    HORT_ASSIGN_OR_RETURN(auto lock, Lock(*repo, true));
    HORT_ASSIGN_OR_RETURN(auto all, repo->LoadSnapshots());
    std::sort(paths.begin(), paths.end());
    std::vector<const Snapshot*> group;
    for (const Snapshot& s : all) {
      if (InSeries(s, host, paths)) group.push_back(&s);
    }
    std::sort(group.begin(), group.end(), [](const Snapshot* a, const Snapshot* b) { return a->time > b->time; });
    size_t removed = 0;
    for (const KeepDecision& d : ApplyPolicy(group, keep)) {
      if (d.keep) continue;
      HORT_RETURN_IF_ERROR(repo->backend().Remove({FileType::kSnapshot, d.snapshot->id.Hex()}));
      ++removed;
    }
    Log("retention removed " + std::to_string(removed) + " of " + std::to_string(group.size()) + " snapshots");
    if (removed == 0) return Status::Ok();
    // RunPrune loads the index itself (a load here read every index file twice).
    HORT_ASSIGN_OR_RETURN(PruneStats ps, RunPrune(*repo, PruneOptions{}, nullptr));
    Log("prune freed " + std::to_string(ps.bytes_freed) + " bytes");
    lock.reset();
    target_.reset();  // prune rewrote the index under this handle: later steps reopen
    return Status::Ok();
  }

  Status Verify(const std::string& subset) {
    HORT_ASSIGN_OR_RETURN(Repository * repo, Target());
    HORT_ASSIGN_OR_RETURN(auto lock, Lock(*repo, false));
    CheckOptions co;
    co.read_data = !subset.empty();
    co.read_data_subset = subset;
    HORT_ASSIGN_OR_RETURN(CheckResult cr, RunCheck(*repo, co, nullptr));
    if (cr.ErrorCount() > 0) {
      for (const Finding& f : cr.findings) {
        if (f.IsError()) return Status(Code::kCorruption, "verification found " + std::to_string(cr.ErrorCount()) +
                                                              " errors, first: " + f.message);
      }
    }
    Log("verification ok (" + std::to_string(cr.packs_read) + " packs read)");
    return Status::Ok();
  }

  Status Check() {
    HORT_RETURN_IF_ERROR(Verify(j_.repository->check->read_data_subset));
    return RefreshStats(*j_.repository);
  }

  Status Copy() {
    HORT_ASSIGN_OR_RETURN(OpenedRepo src, OpenCatalogRepository(c_, *j_.source, OpenLock::kShared, ctx_.counters));
    HORT_ASSIGN_OR_RETURN(Repository * dst, Target());
    HORT_ASSIGN_OR_RETURN(auto lock, Lock(*dst, false));
    HORT_RETURN_IF_ERROR(src.repo->LoadIndex());
    HORT_RETURN_IF_ERROR(dst->LoadIndex());
    HORT_ASSIGN_OR_RETURN(CopyStats cs, CopySnapshots(*src.repo, *dst, CopyOptions{}, nullptr));
    out_.bytes_added = cs.bytes_copied;
    out_.files = cs.snapshots_copied;
    Log("copied " + std::to_string(cs.snapshots_copied) + " snapshots (" + std::to_string(cs.snapshots_skipped) +
        " already there), " + std::to_string(cs.bytes_copied) + " bytes");
    // The figures are read after the copy's own lock is gone: counted, it
    // aged in the metrics until the next job there, and HortStaleLock fired.
    lock.reset();
    return RefreshStats(*j_.repository);
  }

  // Best effort: the job's result does not depend on the statistics.
  Status RefreshStats(const RepositorySpec& spec) {
    if (!ctx_.state) return Status::Ok();
    auto repo = Target();
    if (!repo.ok()) return Status::Ok();
    auto stats = CollectRepoStats(**repo, spec.name);
    if (stats.ok()) (void)ctx_.state->PutRepoStats(*stats);
    return Status::Ok();
  }

  // The repository the job writes to, opened (and its key derived) once.
  Result<Repository*> Target() {
    if (!target_) {
      HORT_ASSIGN_OR_RETURN(OpenedRepo r, OpenCatalogRepository(c_, *j_.repository, OpenLock::kNone, ctx_.counters));
      target_ = std::move(r.repo);
    }
    return target_.get();
  }
  Result<std::unique_ptr<RepoLock>> Lock(Repository& repo, bool exclusive) {
    auto l = AcquireLock(repo, exclusive, std::chrono::seconds(c_.serve.lock_wait_seconds));
    if (!l.ok()) return l.status().Annotate("repository " + j_.repository->name);
    return std::move(*l);
  }

  std::unique_ptr<Repository> target_;
  std::unique_ptr<kube::Client> kube_;
  const Catalog& c_;
  const JobSpec& j_;
  const JobContext& ctx_;
  JobOutcome out_;
};

}  // namespace

std::string JobOutcome::Error() const {
  std::string line = status.message();
  std::replace(line.begin(), line.end(), '\n', ' ');
  return line;
}

JobOutcome RunJob(const Catalog& catalog, const JobSpec& job, const JobContext& ctx) {
  return Job(catalog, job, ctx).Run();
}

}  // namespace hort
