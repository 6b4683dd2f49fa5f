// PVC → PV → CSI volume: which Longhorn volume (and so which block device
// and which backupstore folder) a claim is.
#include "kube/json_fields.h"
#include "volumes/cluster.h"
#include "volumes/cluster_internal.h"

namespace hort::volumes {

using kube::StringAt;

Result<PvcVolume> ResolvePvc(kube::Client& client, const std::string& ns, const std::string& pvc) {
  HORT_ASSIGN_OR_RETURN(kube::Discovery d, client.Discover());
  const kube::ResourceInfo* claims = d.Find("", "v1", "persistentvolumeclaims");
  const kube::ResourceInfo* volumes = d.Find("", "v1", "persistentvolumes");
  if (!claims || !volumes) return Status(Code::kUnsupported, "the API server serves no persistentvolumeclaims");
  std::string what = "PersistentVolumeClaim " + ns + "/" + pvc;
  auto claim = client.Get(*claims, ns, pvc);
  if (!claim.ok()) {
    if (claim.status().code() == Code::kNotFound) return Status(Code::kNotFound, what + " not found");
    return Status(claim.status().code(), what + ": " + claim.status().message());
  }
  PvcVolume out;
  out.pv = StringAt(*claim, "/spec/volumeName");
  if (out.pv.empty() || StringAt(*claim, "/status/phase") != "Bound") {
    return Status(Code::kUnavailable, what + " is not bound to a volume yet");
  }
  auto pv = client.Get(*volumes, "", out.pv);
  if (!pv.ok()) {
    if (pv.status().code() == Code::kNotFound) {
      return Status(Code::kNotFound, what + " is bound to PersistentVolume " + out.pv + ", which does not exist");
    }
    return Status(pv.status().code(), "PersistentVolume " + out.pv + ": " + pv.status().message());
  }
  out.driver = StringAt(*pv, "/spec/csi/driver");
  out.volume_handle = StringAt(*pv, "/spec/csi/volumeHandle");
  if (out.driver.empty() || out.volume_handle.empty()) {
    return Status(Code::kUnsupported,
                  what + " is bound to PersistentVolume " + out.pv + ", which is not a CSI volume");
  }
  out.capacity = cluster::QuantityBytes(StringAt(*pv, "/spec/capacity/storage"));
  if (out.IsLonghorn()) out.device = "/dev/longhorn/" + out.volume_handle;
  return out;
}

Status RequireLonghorn(const PvcVolume& volume, const std::string& ns, const std::string& pvc,
                       const std::string& what_instead) {
  if (volume.IsLonghorn()) return Status::Ok();
  return Status(Code::kUnsupported, "PersistentVolumeClaim " + ns + "/" + pvc + " is a " + volume.driver +
                                        " volume, not a Longhorn one: " + what_instead);
}

}  // namespace hort::volumes
