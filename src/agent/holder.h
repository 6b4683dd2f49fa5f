// A claim no pod mounts is mounted by a short-lived Job in its namespace (as
// K8up's backup Jobs mount claims): its pod runs `hort agent hold` and does
// nothing else; the agent on the node it lands on reads the claim through
// the kubelet's folder like any other. So no repository secret or catalog
// ever leaves hort's namespace.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "agent/placement.h"
#include "kube/client.h"
#include "util/status.h"

namespace hort::agent {

struct HolderSpec {
  std::string ns, pvc;
  std::string image;            // hort's image ($HORT_IMAGE, set by the manifests)
  bool read_only = true;        // backups mount read-only, restores read-write
  int64_t hold_seconds = 6 * 3600;  // the pod's own limit if nobody deletes the Job
  int64_t start_timeout_seconds = 300;
  const std::atomic<bool>* stop = nullptr;
};

struct Holder {
  std::string job;  // the Job's name, for DeleteHolder
  Mount mount;
};

// Creates the Job and waits for its pod to run on a node.
[[nodiscard]] Result<Holder> StartHolder(kube::Client& client, const HolderSpec& spec);
// Deletes the Job and its pod (propagation Background).
[[nodiscard]] Status DeleteHolder(kube::Client& client, const std::string& ns, const std::string& job);

}  // namespace hort::agent
