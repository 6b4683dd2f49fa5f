#include "agent/dispatch.h"

#include <chrono>
#include <optional>

#include "agent/holder.h"
#include "agent/placement.h"
#include "kube/wait.h"

namespace hort::agent {
namespace {

using Clock = std::chrono::steady_clock;

double WallNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Polls the task until its holder finishes it.
Result<TaskResult> WaitForResult(kube::Client& client, const std::string& ns, const Task& created,
                                 const DispatchOptions& o) {
  const auto claim_deadline = Clock::now() + std::chrono::seconds(o.claim_timeout_seconds);
  const std::string what = "task " + created.name + " (" + created.input.job + ") on node " + created.input.node;
  std::string holder;
  for (;;) {
    auto t = GetTask(client, ns, created.name);
    if (!t.ok()) {
      if (t.status().code() == Code::kNotFound) return Status(Code::kNotFound, what + " was deleted before it finished");
      if (t.status().code() != Code::kUnavailable) return t.status().Annotate(what);
    } else {
      if (t->result) return *t->result;
      if (!t->holder.empty() && t->holder != holder) {
        holder = t->holder;
        if (o.log) o.log(what + " claimed by agent " + holder);
      }
      if (t->holder.empty() && Clock::now() >= claim_deadline) {
        return Status(Code::kUnavailable, "no hort agent on node " + t->input.node + " claimed " + what + " within " +
                                              std::to_string(o.claim_timeout_seconds) +
                                              " s: is the hort-agent DaemonSet running there?");
      }
      if (!t->holder.empty() && t->renew_time > 0 &&
          WallNow() - t->renew_time > static_cast<double>(t->lease_seconds)) {
        return Status(Code::kUnavailable, "agent " + t->holder + " stopped renewing " + what + " (no renewal for " +
                                              std::to_string(t->lease_seconds) + " s); its result is unknown");
      }
    }
    if (!kube::SleepUnlessStopped(Clock::now() + std::chrono::milliseconds(500), o.stop)) {
      return Status(Code::kCancelled, "stopped while waiting for " + what);
    }
  }
}

}  // namespace

Result<TaskResult> RunOnAgent(kube::Client& client, TaskInput in, const DispatchOptions& o) {
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
  in.node = mount->node;
  in.pod = mount->pod;
  in.pod_uid = mount->pod_uid;
  Result<TaskResult> result = Status(Code::kInternal, "task not created");
  auto created = CreateTask(client, o.hort_ns, in);
  if (created.ok()) {
    if (o.log) o.log("task " + created->name + " for the agent on node " + in.node + " (pod " + in.pod + ")");
    result = WaitForResult(client, o.hort_ns, *created, o);
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

}  // namespace hort::agent
