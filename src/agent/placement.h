// Where a claim's files are: the PersistentVolume it is bound to, the pod
// that mounts it (and so the node whose agent reads it), and the folder the
// kubelet mounted it at — `<kubelet root>/pods/<pod uid>/volumes/<plugin>/<pv>`,
// `…/mount` for CSI volumes — found as Velero's node-agent finds it.
#pragma once

#include <optional>
#include <string>

#include "kube/client.h"
#include "util/status.h"

namespace hort::agent {

struct Mount {
  std::string pod, pod_uid, node;
};

// The claim's spec.volumeName. kNotFound names the claim and namespace;
// kUnavailable when it is not bound yet.
[[nodiscard]] Result<std::string> BoundVolume(kube::Client& client, const std::string& ns, const std::string& pvc);

// A running pod of `ns` with a node that mounts the claim (the first by name
// when several do, as a ReadWriteMany claim may be); nullopt when none.
[[nodiscard]] Result<std::optional<Mount>> FindMount(kube::Client& client, const std::string& ns,
                                                     const std::string& pvc);

// What the agent checks before it reads or writes a task's folder: the pod
// still has that uid, runs on `node` and mounts the claim; the claim is bound
// to `pv`; and the PV is not a hostPath volume (k3s' local-path provisioner
// makes those; the kubelet does not mount them under the pod's folder).
[[nodiscard]] Status VerifyMount(kube::Client& client, const std::string& ns, const std::string& pvc,
                                 const std::string& pv, const std::string& pod, const std::string& pod_uid,
                                 const std::string& node);

// A ReadWriteOnce claim hort makes to restore into (`restore --to-pvc
// --create`, restore tests' scratch claims): labelled managed-by hort plus
// `labels`; `storage_class` "" is the cluster's default class.
[[nodiscard]] kube::Json NewClaim(const std::string& ns, const std::string& name, const std::string& size,
                                  const std::string& storage_class, const kube::Json& labels = kube::Json::object());

// The folder holding the volume's files on this node. kNotFound says whether
// the kubelet's pods folder is missing (not mounted into the agent) or only
// this pod's volume.
[[nodiscard]] Result<std::string> PodVolumePath(const std::string& kubelet_root, const std::string& pod_uid,
                                                const std::string& pv, const std::string& node);

}  // namespace hort::agent
