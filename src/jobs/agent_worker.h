// `hort agent`'s side of the task protocol (agent/task.h): the open tasks of
// its node, claimed one at a time, run here with the claim's folder under the
// kubelet's pod-volume tree as the source (backup) or target (restore),
// renewed while they run, finished with their result.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "agent/task.h"
#include "catalog/catalog.h"
#include "kube/client.h"
#include "util/status.h"

namespace hort {

struct AgentOptions {
  std::string node;          // this agent's node ($NODE_NAME)
  std::string name;          // holderIdentity: the agent's pod ($POD_NAME)
  std::string kubelet_root;  // "/var/lib/kubelet" in the pod (hostPath)
  double poll_seconds = 2;
  bool once = false;         // one pass over the open tasks, then return
  const std::atomic<bool>* stop = nullptr;
  std::function<void(const std::string&)> log;
};

// Runs until `stop` (or one pass with `once`). Fails only when the catalog's
// cluster cannot be reached at all at start; later API errors are logged and
// retried on the next poll.
[[nodiscard]] Status RunAgent(const Catalog& catalog, kube::Client& kube, const AgentOptions& options);

// One claimed task run here: what the agent writes back as its result.
// The pod, claim and PV are checked against the task first (agent/placement.h VerifyMount).
[[nodiscard]] agent::TaskResult RunAgentTask(const Catalog& catalog, kube::Client& kube, const agent::Task& task,
                                             const AgentOptions& options);

}  // namespace hort
