// What the cluster side of the volumes layer (pvc.cc, snapshots.cc,
// longhorn_backup.cc) shares: quantities, the names of the objects hort
// creates, and the one loop that polls an object until its status says it is
// done. Not part of the layer's interface (that is volumes/cluster.h).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <functional>
#include <string>
#include <string_view>

#include "kube/client.h"
#include "util/status.h"

namespace hort::volumes::cluster {

// "10Gi", "512Mi", "1G", "1073741824": a quantity in bytes (0 when absent or
// in a form a volume's size does not take, such as "1.5Gi").
[[nodiscard]] uint64_t QuantityBytes(const std::string& q);

// "<base>-hort-<UTC yyyymmddhhmmss>", a valid DNS-1123 label (a name for any
// kind): the base lower-cased with anything but [a-z0-9-] made '-'; a base too
// long for 63 characters is cut and given 8 hex of its SHA-256, so two long
// bases that share their start still differ. 4 characters stay free for the
// "-N" CreateNamed adds when the name is taken.
[[nodiscard]] std::string ObjectName(std::string_view base, std::time_t now);


// The served resource, or kUnsupported naming what to install.
[[nodiscard]] Result<kube::ResourceInfo> Served(kube::Client& client, const std::string& group,
                                                const std::string& version, const std::string& resource,
                                                const std::string& install_hint);

// Creates `object` (metadata.name unset) as ObjectName(base, now); when that
// name is taken (two runs in one second) as name-2 … name-9.
[[nodiscard]] Result<kube::Json> CreateNamed(kube::Client& client, const kube::ResourceInfo& r, const std::string& ns,
                                             kube::Json object, const std::string& base);

// The text of status.error: a string (Longhorn) or {message} (CSI).
[[nodiscard]] std::string StatusError(const kube::Json& object);

enum class Progress { kWaiting, kDone };

struct Wait {
  const kube::ResourceInfo* resource = nullptr;
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
  std::function<Result<Progress>(const kube::Json&)> check;
  // What the status says while waiting ("state InProgress, 40%"); "" for nothing.
  std::function<std::string(const kube::Json&)> detail;
};

// A snapshot (CSI or Longhorn) is done when status.readyToUse is true; a
// Longhorn snapshot marked removed (deleted in the engine) never will be.
[[nodiscard]] Result<Progress> SnapshotProgress(const kube::Json& object, const std::string& what);

// The wait for a snapshot hort created (CSI or Longhorn) to become ready:
// goal readyToUse, SnapshotProgress, deleted when it never does.
[[nodiscard]] Wait SnapshotWait(const kube::ResourceInfo& resource, const std::string& ns, const std::string& name,
                                std::chrono::steady_clock::time_point deadline, int64_t timeout_seconds,
                                const std::atomic<bool>* stop, std::function<void(const std::string&)> log);

// Polls every 200 ms, growing to 2 s, until `check` says done (the object is
// returned), fails, the deadline passes (kUnavailable: what, goal, timeout and
// the last status.error or detail) or `stop` is set (kCancelled). Each new
// status.error is logged once: both Kubernetes' snapshot controller and
// Longhorn retry after one, so it is not final.
[[nodiscard]] Result<kube::Json> WaitFor(kube::Client& client, const Wait& wait);

}  // namespace hort::volumes::cluster
