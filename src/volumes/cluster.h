// The volumes layer's side in the cluster (longhorn-and-csi.md §8–9): which
// Longhorn volume a PVC is, in-cluster snapshots (CSI VolumeSnapshots or
// Longhorn Snapshot CRs) taken, waited for and pruned by a keep rule, and
// Longhorn backups asked of Longhorn itself through its Backup CR.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "kube/client.h"
#include "policy/retention.h"
#include "util/status.h"

namespace hort::volumes {

// The label hort puts on the snapshots it takes: its value names the series
// (<namespace>.<entry>), so the keep rule only ever deletes hort's own.
inline constexpr const char* kSnapshotSeriesLabel = "hort.dev/series";

struct PvcVolume {
  std::string pv;             // the bound PersistentVolume's name
  std::string driver;         // spec.csi.driver ("" when not a CSI volume)
  std::string volume_handle;  // spec.csi.volumeHandle: the Longhorn volume for driver.longhorn.io
  uint64_t capacity = 0;      // bytes, the PV's spec.capacity.storage
  // /dev/longhorn/<volume> for a Longhorn volume (where Longhorn attaches
  // it on a node); empty for other drivers.
  std::string device;
  [[nodiscard]] bool IsLonghorn() const { return driver == "driver.longhorn.io"; }
};

// PVC → its PV → the CSI volume. kNotFound: no such PVC (or its PV is
// gone); kUnavailable: the claim is not bound yet; kUnsupported: its PV is
// not a CSI volume. Messages name the namespace and claim.
[[nodiscard]] Result<PvcVolume> ResolvePvc(kube::Client& client, const std::string& ns, const std::string& pvc);

// kUnsupported unless the claim's volume is Longhorn's: "PersistentVolumeClaim
// <ns>/<pvc> is a <driver> volume, not a Longhorn one: <what_instead>".
[[nodiscard]] Status RequireLonghorn(const PvcVolume& volume, const std::string& ns, const std::string& pvc,
                                     const std::string& what_instead);

struct SnapshotRequest {
  enum class Kind { kCsi, kLonghorn } kind = Kind::kCsi;
  std::string ns, pvc;
  std::string class_name;  // csi: spec.volumeSnapshotClassName; empty: the driver's default class
  std::string longhorn_ns = "longhorn-system";  // longhorn: where Longhorn's Snapshot CRs live
  std::string series;      // kSnapshotSeriesLabel's value (a valid label value; required)
  ExpirePolicy keep;       // applied to the series after the new snapshot is ready; Empty(): none deleted
  int64_t timeout_seconds = 600;
  const std::atomic<bool>* stop = nullptr;          // SIGTERM: stop waiting, kCancelled
  std::function<void(const std::string&)> log;      // progress lines
};

struct SnapshotResult {
  std::string kind;  // "VolumeSnapshot" or "Snapshot" (longhorn.io)
  std::string ns;    // where it is: the PVC's namespace, or the Longhorn namespace
  std::string name;
  double seconds = 0;         // until readyToUse
  uint64_t restore_size = 0;  // bytes, from the status
  std::vector<std::string> deleted;  // older snapshots of the series the keep rule removed
};

// Resolves the PVC (ResolvePvc's errors; kUnsupported for kLonghorn on a
// volume of another driver), creates the snapshot as
// "<pvc>-hort-<UTC yyyymmddhhmmss>" (cluster_internal.h's ObjectName) with
// kSnapshotSeriesLabel (a Longhorn snapshot also carries it in spec.labels,
// which Longhorn keeps on the snapshot in the engine), and waits for
// status.readyToUse. status.error is not final in either API (the snapshot
// controller and Longhorn retry), so it is logged and named in the timeout
// error; only a Longhorn snapshot marked removed fails at once (kUnavailable).
// After timeout_seconds: kUnavailable naming kind, namespace, name, timeout
// and status.error, and the snapshot is deleted (hort made it, it never
// became usable); the same on stop, with kCancelled.
// Then the keep rule: the ready snapshots labelled with the series (of the
// same PVC, or for Longhorn the same volume) are ordered by status.creationTime
// (else metadata.creationTimestamp; ties by name, the new one newest) and
// those the policy does not keep are deleted; never the new one, never an
// object without the label, never one not ready yet (it is not counted
// either). A failed delete fails the call (the new snapshot stays ready).
[[nodiscard]] Result<SnapshotResult> TakeSnapshot(kube::Client& client, const SnapshotRequest& request);

struct LonghornBackupRequest {
  std::string ns = "longhorn-system";  // where Longhorn's CRs live
  std::string volume;                  // the Longhorn volume
  std::map<std::string, std::string> labels;
  int64_t timeout_seconds = 3600;
  const std::atomic<bool>* stop = nullptr;
  std::function<void(const std::string&)> log;
};

struct LonghornBackupResult {
  std::string snapshot, backup, state, url;
  uint64_t size = 0;
  double seconds = 0;
};

// Longhorn's own backup (§8 "Triggering a backup"): a Snapshot CR with
// createSnapshot true (spec.labels and metadata.labels = `labels`), waited
// for as TakeSnapshot waits (deleted on timeout or stop), then a Backup CR of
// the same name with spec.snapshotName and spec.labels, followed until
// status.state is Completed (ok) or Error/Unknown (kUnavailable with
// status.error: most failures pass — the target was away, a replica
// restarted — so the scheduler may retry) or the timeout, which covers both
// waits, passes (kUnavailable). A Backup that failed or runs late is left to
// Longhorn (deleting the CR deletes the backup in the store), and so is its
// snapshot. A Backup CR the API refuses takes its snapshot with it. After
// Completed, the snapshot stays (Longhorn's next incremental backup builds
// on it) and the older ready snapshots of the same volume that carry the
// series label of `labels` are deleted, so the chain stays one long.
[[nodiscard]] Result<LonghornBackupResult> TriggerLonghornBackup(kube::Client& client,
                                                                 const LonghornBackupRequest& request);

}  // namespace hort::volumes
