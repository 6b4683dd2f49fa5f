#include "jobs/agent_worker.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "agent/placement.h"
#include "kube/permissions.h"
#include "jobs/jobs.h"
#include "kube/wait.h"
#include "restorer/restorer.h"

namespace hort {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kRenewEvery = std::chrono::seconds(10);

void Say(const AgentOptions& o, const std::string& line) {
  if (o.log) o.log(line);
}

agent::TaskResult Failed(Status s) { return {.code = s.code(), .error = s.message()}; }

// The catalog job the task names, if it is a pvc entry this agent can run.
Result<const JobSpec*> TaskJob(const Catalog& catalog, const agent::Task& t) {
  const JobSpec* job = catalog.FindJob(t.input.job);
  if (!job || !job->entry || !job->entry->ViaAgent() || job->service->ns != t.input.ns || job->entry->pvc != t.input.pvc) {
    return Status(Code::kNotFound, "job " + t.input.job + " (pvc " + t.input.ns + "/" + t.input.pvc +
                                       ") is not a pvc entry without source in the agent's catalog " + catalog.path +
                                       ": are serve and the agent on one catalog?");
  }
  return job;
}

agent::TaskResult Backup(const Catalog& catalog, const agent::Task& t, const std::string& folder, const AgentOptions& o) {
  auto job = TaskJob(catalog, t);
  if (!job.ok()) return Failed(job.status());
  // The same entry with the claim's folder as its source; its hooks ran in
  // serve, which keeps the schedule, so they do not run twice.
  FilesEntry entry = *(*job)->entry;
  entry.source = folder;
  entry.hooks = {};
  JobSpec spec = **job;
  spec.entry = &entry;
  JobContext ctx;
  ctx.log = o.log;
  ctx.extra_tags = t.input.tags;          // guard's pre-<topic>
  ctx.retention = t.input.retention;      // guard's snapshots skip retention
  JobOutcome out = RunJob(catalog, spec, ctx);
  return {.code = out.status.code(), .error = out.Error(), .snapshot = out.snapshot_id, .files = out.files,
          .bytes = out.bytes_added};
}

agent::TaskResult Restore(const Catalog& catalog, const agent::Task& t, const std::string& folder, const AgentOptions& o) {
  auto spec = catalog.repositories.find(t.input.repository);
  if (spec == catalog.repositories.end()) {
    return Failed(Status(Code::kNotFound, "no repository named \"" + t.input.repository + "\" in the agent's catalog"));
  }
  auto opened = OpenCatalogRepository(catalog, spec->second, OpenLock::kShared, nullptr);
  if (!opened.ok()) return Failed(opened.status());
  Repository& repo = *opened->repo;
  if (Status s = repo.LoadIndex(); !s.ok()) return Failed(s);
  auto snap = repo.FindSnapshot(t.input.snapshot);
  if (!snap.ok()) return Failed(snap.status());
  RestoreOptions opt;
  opt.target = folder;
  opt.cancel = o.stop;
  // A snapshot of a claim holds /data/<pvc> (K8up's path): its contents are
  // the volume's root, whichever claim it is restored into.
  if (snap->paths.size() == 1 && snap->paths[0].rfind("/data/", 0) == 0 && snap->paths[0].size() > 6) {
    opt.subpath = snap->paths[0];
  }
  Say(o, "restoring snapshot " + snap->id.Short() + (opt.subpath.empty() ? "" : ":" + opt.subpath) + " into " +
             t.input.ns + "/" + t.input.pvc);
  auto r = RunRestore(repo, *snap, opt, nullptr);
  if (!r.ok()) return Failed(r.status());
  agent::TaskResult res{.snapshot = snap->id.Hex(), .files = r->files_restored, .bytes = r->bytes_restored};
  if (r->errors > 0) {
    res.code = Code::kPartial;
    res.error = std::to_string(r->errors) + " items could not be restored";
  }
  return res;
}

// Keeps the claim alive while `work` runs, then writes its result.
void RunClaimed(const Catalog& catalog, kube::Client& kube, const std::string& ns, agent::Task task,
                const AgentOptions& o) {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  // The work reads its own copy: the renew thread rewrites `task`.
  const agent::Task work = task;
  std::thread renew([&] {
    std::unique_lock lock(mu);
    while (!cv.wait_for(lock, kRenewEvery, [&] { return done; })) {
      if (Status s = agent::Renew(kube, ns, task); !s.ok()) Say(o, "renewing task " + task.name + ": " + s.message());
    }
  });
  agent::TaskResult result = RunAgentTask(catalog, kube, work, o);
  {
    std::lock_guard lock(mu);
    done = true;
  }
  cv.notify_all();
  renew.join();
  Status s = agent::Finish(kube, ns, task, result);
  Say(o, "task " + task.name + " (" + task.input.job + "): " +
             (result.code == Code::kOk ? "done" + (result.snapshot.empty() ? "" : ", snapshot " + result.snapshot.substr(0, 8))
                                       : result.error) +
             (s.ok() ? "" : "; writing the result failed: " + s.message()));
}

}  // namespace

agent::TaskResult RunAgentTask(const Catalog& catalog, kube::Client& kube, const agent::Task& t, const AgentOptions& o) {
  if (Status s = agent::VerifyMount(kube, t.input.ns, t.input.pvc, t.input.pv, t.input.pod, t.input.pod_uid, o.node); !s.ok()) {
    return Failed(s);
  }
  auto folder = agent::PodVolumePath(o.kubelet_root, t.input.pod_uid, t.input.pv, o.node);
  if (!folder.ok()) return Failed(folder.status());
  Say(o, "task " + t.name + ": " + (t.input.kind == agent::TaskKind::kRestore ? "restore into " : "backup of ") +
             t.input.ns + "/" + t.input.pvc + " at " + *folder);
  return t.input.kind == agent::TaskKind::kRestore ? Restore(catalog, t, *folder, o) : Backup(catalog, t, *folder, o);
}

Status RunAgent(const Catalog& catalog, kube::Client& kube, const AgentOptions& o) {
  const std::string ns = kube::HortNamespace(kube);
  HORT_RETURN_IF_ERROR(agent::LeaseResource(kube).status());
  Say(o, "agent " + o.name + " on node " + o.node + ": tasks from namespace " + ns + ", kubelet folder " + o.kubelet_root);
  std::string last_error;
  for (;;) {
    if (o.stop && o.stop->load()) return Status::Ok();
    auto open = agent::OpenTasks(kube, ns, o.node);
    if (!open.ok()) {
      if (open.status().message() != last_error) Say(o, "listing tasks: " + open.status().message());
      last_error = open.status().message();
    } else {
      last_error.clear();
      for (agent::Task& t : *open) {
        if (o.stop && o.stop->load()) return Status::Ok();
        Status claimed = agent::Claim(kube, ns, t, o.name);
        if (claimed.code() == Code::kAlreadyExists || claimed.code() == Code::kNotFound) {
          Say(o, "task " + t.name + " (" + t.input.job + ") was taken by another agent first");
          continue;
        }
        if (!claimed.ok()) {
          Say(o, "claiming task " + t.name + ": " + claimed.message());
          continue;
        }
        RunClaimed(catalog, kube, ns, t, o);
      }
    }
    if (o.once) return Status::Ok();
    if (!kube::SleepUnlessStopped(Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(o.poll_seconds * 1000)),
                                  o.stop)) {
      return Status::Ok();
    }
  }
}

}  // namespace hort
