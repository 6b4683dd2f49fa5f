// Waiting on the API: the served resource of a group/version (a CRD may
// appear late), the one loop that polls an object until its status says it
// is done (the volumes layer's snapshots and backups), and the stoppable
// sleep the agent's own waits use (a task's Lease, a holder Job's pod list:
// neither is one object's status, so they keep their loops).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "kube/client.h"
#include "util/status.h"

namespace hort::kube {

// The served resource, or kUnsupported naming what to install.
[[nodiscard]] Result<ResourceInfo> Served(Client& client, const std::string& group,
                                                const std::string& version, const std::string& resource,
                                                const std::string& install_hint);

// The text of status.error: a string (Longhorn) or {message} (CSI).
[[nodiscard]] std::string StatusError(const Json& object);

enum class Progress { kWaiting, kDone };

struct Wait {
  const ResourceInfo* resource = nullptr;
  std::string ns, name;
  std::string what;  // "VolumeSnapshot media/jellyfin-hort-20261201120000", for messages
  std::string goal;  // "readyToUse", "Completed"
  std::chrono::steady_clock::time_point deadline;
  int64_t timeout_seconds = 0;  // what the deadline was made of, for the message
  const std::atomic<bool>* stop = nullptr;
  std::function<void(const std::string&)> log;
  // A snapshot that never became usable is hort's to remove; a Backup that
  // runs late is Longhorn's to finish (deleting it would delete the backup).
  bool delete_on_give_up = false;
  // kDone, kWaiting, or a failure that ends the wait at once.
  std::function<Result<Progress>(const Json&)> check;
  // What the status says while waiting ("state InProgress, 40%"); "" for nothing.
  std::function<std::string(const Json&)> detail;
};

// Polls every 200 ms, growing to 2 s, until `check` says done (the object is
// returned), fails, the deadline passes (kUnavailable: what, goal, timeout and
// the last status.error or detail) or `stop` is set (kCancelled). Each new
// status.error is logged once: both Kubernetes' snapshot controller and
// Longhorn retry after one, so it is not final.
[[nodiscard]] Result<Json> WaitFor(Client& client, const Wait& wait);

// Polls every 500 ms until the object is gone (Ok), `timeout` passes
// (kUnavailable: "<what> is still being deleted after N s") or `stop` is set
// (kCancelled). A deleted object stays while finalizers hold it: a claim as
// long as a pod names it (kubernetes.io/pvc-protection), which a holder
// Job's pod does until the kubelet has stopped it.
[[nodiscard]] Status WaitGone(Client& client, const ResourceInfo& resource, const std::string& ns,
                              const std::string& name, const std::string& what, std::chrono::seconds timeout,
                              const std::atomic<bool>* stop);

// Sleeps until `until` in slices short enough that a stop is noticed at
// once; false when stopped.
[[nodiscard]] bool SleepUnlessStopped(std::chrono::steady_clock::time_point until, const std::atomic<bool>* stop);

}  // namespace hort::kube
