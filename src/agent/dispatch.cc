#include "agent/dispatch.h"

#include <chrono>
#include <optional>

#include "agent/holder.h"
#include "agent/placement.h"
#include "kube/json_fields.h"
#include "kube/quantity.h"
#include "kube/wait.h"
#include "util/timer.h"

namespace hort::agent {
namespace {

using Clock = std::chrono::steady_clock;

// How long a deleted claim may stay Terminating (its holder pod stopping,
// 30 s of grace by default) before hort gives up waiting for it.
constexpr std::chrono::seconds kClaimGoneWait{60};


// Polls the task until its holder finishes it. `leave` is set when the task
// must outlive this wait (stopped while an agent works on it): deleting its
// Lease or holder Job then would pull the claim from under a running backup.
Result<TaskResult> WaitForResult(kube::Client& client, const std::string& ns, const Task& created,
                                 const DispatchOptions& o, bool* leave) {
  const auto claim_deadline = Clock::now() + std::chrono::seconds(o.claim_timeout_seconds);
  const std::string what = "task " + created.name + " (" + created.input.job + ") on node " + created.input.node;
  std::string holder;
  // Staleness is judged by when this process saw renewTime change, not by
  // comparing its clock with the agent's.
  std::string last_renew;
  auto renewed_at = Clock::now();
  for (;;) {
    auto t = GetTask(client, ns, created.name);
    if (!t.ok()) {
      if (t.status().code() == Code::kNotFound) return Status(Code::kNotFound, what + " was deleted before it finished");
      if (o.stop && o.stop->load()) {
        *leave = true;  // cannot tell whether an agent has it: the next start's clean-up decides
        return Status(Code::kCancelled, "stopped while waiting for " + what);
      }
      if (t.status().code() != Code::kUnavailable) return t.status().Annotate(what);
    } else {
      if (t->result) return *t->result;
      if (!t->holder.empty() && t->holder != holder) {
        holder = t->holder;
        if (o.log) o.log(what + " claimed by agent " + holder);
      }
      const std::string renew = kube::StringAt(t->object, "/spec/renewTime");
      if (renew != last_renew) {
        last_renew = renew;
        renewed_at = Clock::now();
      }
      const bool stopped = o.stop && o.stop->load();
      if (t->holder.empty() && (stopped || Clock::now() >= claim_deadline)) {
        const std::string why = stopped ? "stopped before an agent claimed it"
                                        : "no hort agent on node " + t->input.node + " claimed task " + created.name +
                                              " (" + created.input.job + ") within " +
                                              std::to_string(o.claim_timeout_seconds) +
                                              " s: is the hort-agent DaemonSet running there?";
        Status withdrawn = Withdraw(client, ns, *t, why);
        if (withdrawn.code() == Code::kAlreadyExists) continue;  // an agent was first: it runs the task
        return Status(stopped ? Code::kCancelled : Code::kUnavailable, why);
      }
      if (!t->holder.empty() && stopped) {
        *leave = true;
        return Status(Code::kCancelled, "stopped while agent " + t->holder + " runs " + what +
                                            "; it finishes it, and serve removes the task when it starts again");
      }
      if (!t->holder.empty() && Clock::now() - renewed_at > std::chrono::seconds(t->lease_seconds + 10)) {
        // Not kUnavailable: a retry could write a second snapshot next to one the agent may have saved.
        return Status(Code::kIo, "agent " + t->holder + " stopped renewing " + what + " (no renewal for " +
                                     std::to_string(t->lease_seconds + 10) +
                                     " s); its result is unknown, so the job is not retried (see the agent's log)");
      }
    }
    (void)kube::SleepUnlessStopped(Clock::now() + std::chrono::milliseconds(500), o.stop);
  }
}

}  // namespace

Result<TaskResult> RunOnAgent(kube::Client& client, TaskInput in, const DispatchOptions& o, bool* left_running) {
  // A claim that does not exist fails here, before any Job is made for it.
  if (auto pv = BoundVolume(client, in.ns, in.pvc); !pv.ok() && pv.status().code() != Code::kUnavailable) return pv.status();
  HORT_ASSIGN_OR_RETURN(std::optional<Mount> mount, FindMount(client, in.ns, in.pvc));
  std::optional<Holder> holder;
  if (!mount) {
    HolderSpec spec{.ns = in.ns, .pvc = in.pvc, .image = o.image, .read_only = in.kind == TaskKind::kBackup,
                    .hold_seconds = o.hold_seconds, .stop = o.stop};
    HORT_ASSIGN_OR_RETURN(Holder h, StartHolder(client, spec));
    if (o.log) o.log(in.ns + "/" + in.pvc + " is mounted by no pod: holder Job " + h.job + " mounts it on node " + h.mount.node);
    holder = h;
    mount = h.mount;
  }
  // Read after the mount: a claim of a WaitForFirstConsumer class is bound
  // only once a pod (the holder) uses it.
  auto pv = BoundVolume(client, in.ns, in.pvc);
  if (!pv.ok()) {
    if (holder) (void)DeleteHolder(client, in.ns, holder->job);
    return pv.status();
  }
  in.pv = *pv;
  if (holder) in.holder_job = holder->job;
  in.node = mount->node;
  in.pod = mount->pod;
  in.pod_uid = mount->pod_uid;
  Result<TaskResult> result = Status(Code::kInternal, "task not created");
  auto created = CreateTask(client, o.hort_ns, in);
  if (created.ok()) {
    if (o.log) o.log("task " + created->name + " for the agent on node " + in.node + " (pod " + in.pod + ")");
    bool leave = false;
    result = WaitForResult(client, o.hort_ns, *created, o, &leave);
    if (leave) {
      if (left_running) *left_running = true;
      return result;
    }
    auto leases = LeaseResource(client);
    if (leases.ok()) {
      Status del = client.Delete(*leases, o.hort_ns, created->name);
      if (!del.ok() && del.code() != Code::kNotFound && o.log) o.log("deleting task " + created->name + ": " + del.message());
    }
  } else {
    result = created.status().Annotate("creating the agent's task in namespace " + o.hort_ns);
  }
  if (holder) {
    Status del = DeleteHolder(client, in.ns, holder->job);
    if (!del.ok() && o.log) o.log("deleting holder Job " + in.ns + "/" + holder->job + ": " + del.message());
  }
  return result;
}

Result<TaskResult> RunOnNewClaim(kube::Client& client, TaskInput in, const NewClaimSpec& claim, const DispatchOptions& o) {
  const std::string name = in.ns + "/" + in.pvc;
  if (std::string bad = kube::StorageSizeProblem(claim.size); !bad.empty()) {
    return Status(Code::kInvalidArgument, "size \"" + claim.size + "\" of the new persistentvolumeclaim " + name + ": " +
                                              bad + " (e.g. 10Gi); nothing was created");
  }
  if (o.image.empty()) {
    return Status(Code::kInvalidArgument, "a new persistentvolumeclaim (" + name + ") is mounted by no pod, and HORT_IMAGE "
                                          "is not set, so hort cannot start a Job that mounts it; nothing was created");
  }
  HORT_ASSIGN_OR_RETURN(kube::Discovery d, client.Discover());
  const kube::ResourceInfo* pvcs = d.Find("", "v1", "persistentvolumeclaims");
  if (!pvcs) return Status(Code::kUnsupported, "the cluster serves no persistentvolumeclaims");
  const kube::Json object = agent::NewClaim(in.ns, in.pvc, claim.size, claim.storage_class);
  auto made = client.Create(*pvcs, in.ns, object, {});
  if (!made.ok() && made.status().code() == Code::kAlreadyExists) {
    // One being deleted (an earlier failed run's, its holder pod still
    // stopping) is waited for: it is going anyway, and the name is free then.
    auto old = client.Get(*pvcs, in.ns, in.pvc);
    if (!old.ok() || !kube::BeingDeleted(*old)) {
      return Status(Code::kAlreadyExists, "persistentvolumeclaim " + name + " exists already: drop --create to restore into it");
    }
    if (o.log) o.log("persistentvolumeclaim " + name + " is being deleted: waiting for it to go");
    HORT_RETURN_IF_ERROR(kube::WaitGone(client, *pvcs, in.ns, in.pvc, "persistentvolumeclaim " + name, kClaimGoneWait, o.stop)
                             .Annotate("nothing was created"));
    made = client.Create(*pvcs, in.ns, object, {});
  }
  HORT_RETURN_IF_ERROR(made.status().Annotate("creating persistentvolumeclaim " + name));
  bool left_running = false;
  Result<TaskResult> r = RunOnAgent(client, in, o, &left_running);
  if (left_running || (r.ok() && r->code == Code::kOk)) return r;
  // Only the claim made above (its uid): never one somebody made under the name after it was gone.
  Status deleted = Status::Ok(), gone = Status::Ok();
  auto live = client.Get(*pvcs, in.ns, in.pvc);
  if (live.ok() && kube::StringAt(*live, "/metadata/uid") == kube::StringAt(*made, "/metadata/uid")) {
    deleted = client.Delete(*pvcs, in.ns, in.pvc);
    // Gone before hort answers, so that the same command can run again at once.
    if (deleted.ok()) gone = kube::WaitGone(client, *pvcs, in.ns, in.pvc, "persistentvolumeclaim " + name, kClaimGoneWait, o.stop);
  } else if (!live.ok() && live.status().code() != Code::kNotFound) {
    deleted = live.status();
  }
  std::string what = "; the new claim " + name;
  if (!deleted.ok() && deleted.code() != Code::kNotFound) {
    what += " could not be deleted: " + deleted.message();
  } else if (gone.ok() || gone.code() == Code::kNotFound) {
    what += " was deleted again";
  } else if (gone.code() == Code::kUnavailable && gone.message().find("still being deleted") != std::string::npos) {
    what += " was deleted but a pod still holds it after " + std::to_string(kClaimGoneWait.count()) +
            " s: wait until it is gone before running this again";
  } else {  // stopped, or the API failed while waiting: the delete itself went through
    what += " was deleted (not waited for until gone: " + gone.message() + ")";
  }
  if (!r.ok()) return Status(r.status().code(), r.status().message() + what);
  r->error += what;
  return r;
}

Status RemoveStaleTasks(kube::Client& client, const std::string& ns, const std::function<void(const std::string&)>& log) {
  HORT_ASSIGN_OR_RETURN(kube::ResourceInfo leases, LeaseResource(client));
  kube::ListOptions opt;
  opt.label_selector = "app.kubernetes.io/managed-by=hort,hort.dev/task";
  HORT_ASSIGN_OR_RETURN(kube::ObjectList list, client.List(leases, ns, opt));
  const double now = UnixNow();
  for (const kube::Json& o : list.items) {
    auto t = ParseTask(o);
    if (!t.ok()) continue;
    const bool unclaimed_too_long = t->holder.empty() && now - t->created > static_cast<double>(kClaimTimeoutSeconds);
    const bool abandoned = !t->holder.empty() && t->renew_time > 0 && now - t->renew_time > 2.0 * static_cast<double>(t->lease_seconds);
    if (!t->result && !unclaimed_too_long && !abandoned) continue;
    Status s = client.Delete(leases, ns, t->name);
    if (!s.ok() && s.code() != Code::kNotFound) return s.Annotate("removing task " + t->name);
    if (!t->input.holder_job.empty()) {
      Status h = DeleteHolder(client, t->input.ns, t->input.holder_job);
      if (!h.ok() && log) log("removing holder Job " + t->input.ns + "/" + t->input.holder_job + ": " + h.message());
    }
    if (log) {
      log("removed task " + t->name + " (" + t->input.job + ") left " +
          (t->result ? "finished" : t->holder.empty() ? "unclaimed" : "by agent " + t->holder) + " by an earlier run");
    }
  }
  return Status::Ok();
}

}  // namespace hort::agent
