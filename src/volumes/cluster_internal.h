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
#include "kube/wait.h"
#include "util/status.h"

namespace hort::volumes::cluster {

using kube::Progress;
using kube::Served;
using kube::StatusError;
using kube::Wait;
using kube::WaitFor;

// "10Gi", "512Mi", "1G", "1073741824": a quantity in bytes (0 when absent or
// in a form a volume's size does not take, such as "1.5Gi").
[[nodiscard]] uint64_t QuantityBytes(const std::string& q);

// "<base>-hort-<UTC yyyymmddhhmmss>", a valid DNS-1123 label (a name for any
// kind): the base lower-cased with anything but [a-z0-9-] made '-'; a base too
// long for 63 characters is cut and given 8 hex of its SHA-256, so two long
// bases that share their start still differ. 4 characters stay free for the
// "-N" CreateNamed adds when the name is taken.
[[nodiscard]] std::string ObjectName(std::string_view base, std::time_t now);


// Creates `object` (metadata.name unset) as ObjectName(base, now); when that
// name is taken (two runs in one second) as name-2 … name-9.
[[nodiscard]] Result<kube::Json> CreateNamed(kube::Client& client, const kube::ResourceInfo& r, const std::string& ns,
                                             kube::Json object, const std::string& base);

// A snapshot (CSI or Longhorn) is done when status.readyToUse is true; a
// Longhorn snapshot marked removed (deleted in the engine) never will be.
[[nodiscard]] Result<Progress> SnapshotProgress(const kube::Json& object, const std::string& what);

// The wait for a snapshot hort created (CSI or Longhorn) to become ready:
// goal readyToUse, SnapshotProgress, deleted when it never does.
[[nodiscard]] Wait SnapshotWait(const kube::ResourceInfo& resource, const std::string& ns, const std::string& name,
                                std::chrono::steady_clock::time_point deadline, int64_t timeout_seconds,
                                const std::atomic<bool>* stop, std::function<void(const std::string&)> log);

}  // namespace hort::volumes::cluster
