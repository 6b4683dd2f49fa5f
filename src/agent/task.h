// One piece of work for the agent on a node, as a Lease in hort's namespace
// (coordination.k8s.io/v1): serve (or `hort restore --to-pvc`) creates it
// naming the node, the claim and the pod that mounts it; the agent on that
// node claims it by writing holderIdentity with the Lease's resourceVersion,
// so of two agents only one wins (the other gets 409); it renews renewTime
// while working and writes the result as annotations. No port is opened:
// everything goes through the API. docs/kubernetes.md "The node agent".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kube/client.h"
#include "util/status.h"

namespace hort::agent {

enum class TaskKind { kBackup, kRestore };

struct TaskInput {
  TaskKind kind = TaskKind::kBackup;
  std::string job;                 // the catalog job ("paperless/files/paperless-data")
  std::string node;                // whose agent runs it
  std::string ns, pvc, pv;         // the claim and its PersistentVolume
  std::string pod, pod_uid;        // the pod that mounts it on `node`
  std::string snapshot, repository;  // restore: full snapshot ID, catalog repository name
  std::string holder_job;          // the holder Job mounting the claim, if serve made one
  std::vector<std::string> tags;   // backup: extra tags (guard's pre-<topic>)
  bool retention = true;           // backup: false for guard's snapshots
};

struct TaskResult {
  Code code = Code::kOk;  // kPartial: saved with unreadable files
  std::string error;      // one line, empty when ok
  std::string snapshot;   // backup: the new snapshot's full ID
  uint64_t files = 0, bytes = 0;
};

struct Task {
  std::string name, resource_version;
  TaskInput input;
  std::string holder;  // the agent pod that claimed it, "" while open
  double renew_time = 0;  // Unix seconds of the holder's last renewal
  int64_t lease_seconds = 0;
  std::optional<TaskResult> result;
  double created = 0;  // Unix seconds
  kube::Json object;   // the Lease as last read, for the next write
};

inline constexpr int64_t kLeaseSeconds = 60;
// How long a task may wait for its agent; agents leave older open tasks alone.
inline constexpr int64_t kClaimTimeoutSeconds = 120;

[[nodiscard]] Result<kube::ResourceInfo> LeaseResource(kube::Client& client);

// Creates the task's Lease in `ns` (hort's namespace).
[[nodiscard]] Result<Task> CreateTask(kube::Client& client, const std::string& ns, const TaskInput& input);
[[nodiscard]] Result<Task> ParseTask(const kube::Json& lease);
[[nodiscard]] Result<Task> GetTask(kube::Client& client, const std::string& ns, const std::string& name);
// The open (unclaimed, unfinished) tasks for `node`, oldest first.
[[nodiscard]] Result<std::vector<Task>> OpenTasks(kube::Client& client, const std::string& ns, const std::string& node);

// Takes `task` for `holder`; kAlreadyExists when another agent was first
// (the Lease changed since it was read).
[[nodiscard]] Status Claim(kube::Client& client, const std::string& ns, Task& task, const std::string& holder);
// Renews the holder's claim (renewTime = now). A conflict is retried on a
// fresh read while the task is still the holder's; kAlreadyExists when it is not.
[[nodiscard]] Status Renew(kube::Client& client, const std::string& ns, Task& task);
// Writes the result (the holder's last write), retried like Renew.
[[nodiscard]] Status Finish(kube::Client& client, const std::string& ns, Task& task, const TaskResult& result);
// serve gives an open task up: it writes a holder and a cancelled result with
// the resourceVersion it read, so an agent that claimed it in between wins
// (kAlreadyExists) and the task goes on.
[[nodiscard]] Status Withdraw(kube::Client& client, const std::string& ns, Task& task, const std::string& why);


}  // namespace hort::agent
