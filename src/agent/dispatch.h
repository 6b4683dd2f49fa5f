// Running a task on the agent of the node that mounts a claim, from serve's
// side (a files job of a pvc without source) or the CLI's (`hort restore
// --to-pvc`): claim → PV → mounting pod (or a holder Job) → task Lease →
// wait for an agent to claim, renew and finish it → clean up.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "agent/task.h"
#include "kube/client.h"
#include "util/status.h"

namespace hort::agent {

struct DispatchOptions {
  std::string hort_ns;            // where the task Lease goes (kube::HortNamespace)
  std::string image;              // for a holder Job ($HORT_IMAGE)
  int64_t claim_timeout_seconds = 120;
  int64_t hold_seconds = 6 * 3600;
  const std::atomic<bool>* stop = nullptr;
  std::function<void(const std::string&)> log;
};

// `input` names kind, job, ns and pvc (and for restores snapshot and
// repository); node, pod and pv are filled in here. The task's own failure
// comes back as its TaskResult (code and message); a Status error means the
// task never finished (no agent claimed it, the holder stopped renewing, the
// claim is missing …).
// `left_running` (optional) is set when the task was left to an agent still
// working on it (stopped meanwhile): its claim is still being written.
[[nodiscard]] Result<TaskResult> RunOnAgent(kube::Client& client, TaskInput input, const DispatchOptions& options,
                                            bool* left_running = nullptr);

struct NewClaimSpec {
  std::string size;           // a Kubernetes quantity, e.g. 10Gi
  std::string storage_class;  // "": the cluster's default class
};

// `hort restore --to-pvc --create`: makes the claim `input` names, then runs
// the task on it. What can be known first is checked before anything is
// made: the size (kube's quantity syntax, greater than zero) and hort's image
// (no pod mounts a new claim, so a holder Job must). A claim that exists is
// refused and never touched; the claim made here is deleted again when the
// task does not succeed, so the same command can simply be run again — unless
// an agent still writes it (stopped meanwhile), which is then said.
[[nodiscard]] Result<TaskResult> RunOnNewClaim(kube::Client& client, TaskInput input, const NewClaimSpec& claim,
                                               const DispatchOptions& options);

// At serve's start: the tasks a stopped serve (or CLI) left — finished,
// never claimed within the claim timeout, or no longer renewed — deleted with
// their holder Jobs. Tasks an agent still renews are left to finish.
[[nodiscard]] Status RemoveStaleTasks(kube::Client& client, const std::string& ns,
                                      const std::function<void(const std::string&)>& log);

}  // namespace hort::agent
